import { SkeletonBodyText } from "@shopify/polaris";
import { useEffect, useState, type ReactNode } from "react";

/** Charts measure the browser's layout, so they draw after hydration; the server sends a placeholder. */
export function ClientOnly({ children, lines = 6 }: { children: () => ReactNode; lines?: number }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted ? <>{children()}</> : <SkeletonBodyText lines={lines} />;
}

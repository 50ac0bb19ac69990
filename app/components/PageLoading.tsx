import { useNavigation } from "@remix-run/react";
import { ProgressBar } from "@shopify/polaris";

/** A thin bar while the next page's data loads (Polaris' Loading needs a Frame, which the embedded app has not). */
export function PageLoading() {
  const navigation = useNavigation();
  if (navigation.state !== "loading") return null;
  return (
    <div style={{ position: "fixed", top: 0, left: 0, right: 0, zIndex: 1000 }} role="progressbar" aria-label="Loading">
      <ProgressBar progress={70} size="small" animated />
    </div>
  );
}

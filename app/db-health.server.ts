import { prisma } from "./db.server";

export async function checkDatabase(): Promise<boolean> {
  try {
    await prisma().$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { decryptSecret, encryptSecret } from "./crypto.server";

/**
 * Wraps Shopify's Prisma session storage so access and refresh tokens are encrypted at rest;
 * everything else (lookups, expiry, deletion) stays Shopify's code.
 */
export class EncryptedSessionStorage implements SessionStorage {
  constructor(
    private readonly inner: SessionStorage,
    private readonly key: Buffer,
  ) {}

  storeSession(session: Session): Promise<boolean> {
    return this.inner.storeSession(this.transform(session, (v) => encryptSecret(v, this.key)));
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const session = await this.inner.loadSession(id);
    return session && this.transform(session, (v) => decryptSecret(v, this.key));
  }

  deleteSession(id: string): Promise<boolean> {
    return this.inner.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.inner.deleteSessions(ids);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const sessions = await this.inner.findSessionsByShop(shop);
    return sessions.map((s) => this.transform(s, (v) => decryptSecret(v, this.key)));
  }

  private transform(session: Session, fn: (value: string) => string): Session {
    const params = session.toObject();
    return new Session({
      ...params,
      accessToken: params.accessToken && fn(params.accessToken),
      refreshToken: params.refreshToken && fn(params.refreshToken),
    });
  }
}

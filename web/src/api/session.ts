// The signed-in session: tokens kept in localStorage (so a reload or a second tab stays
// signed in), refreshed in the background before the access token expires. Refresh tokens
// rotate (the server revokes the old one), so tabs refresh one at a time under a Web Lock
// and pick up a pair another tab already fetched.

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch when the access token expires. */
  expiresAt: number;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const SESSION_KEY = "erp.session";
const COMPANY_KEY = "erp.company";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

type Listener = () => void;
const listeners = new Set<Listener>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();
let timer: ReturnType<typeof setTimeout> | undefined;

function notify() {
  for (const listener of listeners) listener();
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getSession(): Session | null {
  return current;
}

export function fromPair(pair: TokenPair): Session {
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
  };
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
  schedule();
  notify();
}

/** The company a platform developer acts in (sent as X-Company-Id). */
export function getCompanyId(): string | null {
  return localStorage.getItem(COMPANY_KEY);
}

export function setCompanyId(id: string | null): void {
  if (id) localStorage.setItem(COMPANY_KEY, id);
  else localStorage.removeItem(COMPANY_KEY);
  notify();
}

export function authHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (current) headers.Authorization = `Bearer ${current.accessToken}`;
  const company = getCompanyId();
  if (company) headers["X-Company-Id"] = company;
  return headers;
}

let inFlight: Promise<Session | null> | null = null;

async function exchange(refreshToken: string): Promise<Session | null> {
  const response = await fetch("/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refreshToken }),
  });
  if (!response.ok) return null;
  return fromPair((await response.json()) as TokenPair);
}

async function refreshUnderLock(): Promise<Session | null> {
  // Another tab may have rotated the pair already: use what is stored if it is newer.
  const stored = read();
  if (stored && current && stored.refreshToken !== current.refreshToken) {
    if (stored.expiresAt - Date.now() > REFRESH_MARGIN_MS) return stored;
  }
  const base = stored ?? current;
  if (!base) return null;
  return exchange(base.refreshToken);
}

/** A fresh pair, or null when the session cannot be renewed (signed out). */
export function refresh(): Promise<Session | null> {
  if (!inFlight) {
    const run: Promise<Session | null> =
      typeof navigator !== "undefined" && navigator.locks
        ? (navigator.locks.request("erp.refresh", refreshUnderLock) as unknown as Promise<Session | null>)
        : refreshUnderLock();
    inFlight = run
      .then((session) => {
        setSession(session);
        return session;
      })
      .catch(() => current)
      .finally(() => {
        inFlight = null;
      });
  }
  return inFlight;
}

/** Before a request: renew the access token if it is about to expire. */
export async function freshSession(): Promise<Session | null> {
  if (current && current.expiresAt - Date.now() < REFRESH_MARGIN_MS) return refresh();
  return current;
}

function schedule() {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (!current) return;
  const wait = Math.max(current.expiresAt - Date.now() - REFRESH_MARGIN_MS, 1_000);
  timer = setTimeout(() => void refresh(), wait);
}

export async function signOut(): Promise<void> {
  const session = current;
  setSession(null);
  setCompanyId(null);
  if (session) {
    await fetch("/auth/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    }).catch(() => undefined);
  }
}

if (typeof window !== "undefined") {
  // Another tab signed in, out or refreshed.
  window.addEventListener("storage", (event) => {
    if (event.key === SESSION_KEY) {
      current = read();
      schedule();
      notify();
    } else if (event.key === COMPANY_KEY) notify();
  });
  schedule();
}

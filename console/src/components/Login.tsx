import { useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../api/client";
import { useSession } from "../session";
import { LogoMark } from "./icons";

export function loginError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return "Wrong email or password.";
    if (error.status === 429) {
      const minutes = Math.max(1, Math.ceil((error.retryAfterS ?? 60) / 60));
      return `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    if (error.status === 400) return "Enter your email address and password.";
    if (error.code === "network") return error.message;
    if (error.status >= 500) return "The server is briefly unavailable. Try again in a moment.";
  }
  return "Signing in failed. Try again.";
}

export function Login() {
  const { login, notice } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await login(email.trim(), password);
    } catch (exc) {
      setError(loginError(exc));
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <div className="login-card">
        <div className="login-brand">
          <LogoMark size={36} />
          <div>
            <div className="login-product">PyTake</div>
            <div className="login-tag">Operator console</div>
          </div>
        </div>
        <h1>Sign in</h1>
        <p className="login-lead">Answer the conversations your chatbots hand to people.</p>
        {notice && !error && (
          <p className="callout callout-info" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <label className="field">
            <span className="field-label">Email</span>
            <input
              type="email"
              name="email"
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
              autoFocus
            />
          </label>
          <label className="field">
            <span className="field-label">Password</span>
            <input
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
          {error && (
            <p className="callout callout-error" role="alert">
              {error}
            </p>
          )}
          <button className="btn btn-primary btn-block" type="submit" disabled={busy || !email || !password}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </div>
      <p className="login-foot">Your session ends when you close this tab.</p>
    </main>
  );
}

import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ApiClient } from "./api/client";
import { App, makeQueryClient } from "./App";
import { fakeFetch, memoryStore } from "./test/render";
import { user } from "./test/fixtures";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

beforeEach(() => window.history.pushState({}, "", "/console/"));

function app(routes: Parameters<typeof fakeFetch>[0], refresh: string | null = null) {
  const client = new ApiClient({ fetch: fakeFetch(routes), store: memoryStore(refresh) });
  render(<App client={client} queries={makeQueryClient()} />);
  return client;
}

async function signIn(password: string) {
  await userEvent.type(screen.getByLabelText("Email"), "ana@example.com");
  await userEvent.type(screen.getByLabelText("Password"), password);
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

test("a wrong password is said plainly", async () => {
  app({ "POST /auth/login": json(401, { error: { code: "invalid_credentials", message: "invalid email or password" } }) });
  await signIn("nope");
  expect(await screen.findByRole("alert")).toHaveTextContent("Wrong email or password.");
});

test("too many attempts says how long to wait, in minutes", async () => {
  app({
    "POST /auth/login": json(
      429,
      { error: { code: "too_many_attempts", message: "too many failed logins; retry later", retry_after: 900 } },
      { "Retry-After": "900" },
    ),
  });
  await signIn("nope");
  expect(await screen.findByRole("alert")).toHaveTextContent("Too many attempts. Try again in 15 minutes.");
});

test("a session whose refresh is refused ends on the sign-in page with a notice", async () => {
  app(
    {
      "POST /auth/refresh": json(401, { error: { code: "invalid_token", message: "revoked" } }),
      "/auth/me": json(401, { error: { code: "token_expired", message: "expired" } }),
    },
    "old-refresh-token",
  );
  expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  expect(screen.getByRole("status")).toHaveTextContent("Your session has ended");
});

test("signing in opens the inbox; logging out returns to sign-in", async () => {
  const me = user("agent");
  app({
    "POST /auth/login": { user: me, token: { access_token: "A", refresh_token: "R", expires_in: 900 } },
    "POST /auth/logout": { status: "logged_out" },
    "/conversations": { conversations: [], total: 0, page: 1, per_page: 50 },
    "/whatsapp/": { numbers: [], total: 0, page: 1, per_page: 100 },
    "/users": { users: [me], total: 1, page: 1, per_page: 100 },
    "/live": () => new Response(new ReadableStream({ start() {} }), { status: 200 }),
  });
  await signIn("right");
  expect(await screen.findByRole("heading", { name: "Waiting for a human" })).toBeInTheDocument();
  expect(screen.getByRole("navigation", { name: "Inbox views" })).toBeInTheDocument();
  expect(screen.getByRole("main")).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Log out" }));
  expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
});

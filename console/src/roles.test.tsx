import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConversationView } from "./components/Conversation";
import { capsOf } from "./roles";
import { detail, user } from "./test/fixtures";
import { renderWith } from "./test/render";
import type { ConversationDetail } from "./api/types";

function open(role: Parameters<typeof user>[0], d: ConversationDetail = detail(), extra = {}) {
  return renderWith(<ConversationView number="100000000000001" phone="5511900000001" backTo="/" />, {
    user: user(role),
    routes: {
      "/conversations/5511900000001": d,
      "/users": { users: [user("agent", "agent-2")], total: 1, page: 1, per_page: 100 },
      "/whatsapp/": { numbers: [], total: 0, page: 1, per_page: 100 },
      "/flows": { flows: [], total: 0, page: 1, per_page: 100 },
      "/flows/flow-1": { id: "flow-1", canvas_data: { nodes: [{ id: "handoff", type: "handoff" }] } },
      ...extra,
    },
  });
}

const ACTIONS = ["Take over", "Give the bot back", "Release", "Assign to…", "Restart flow…", "Close"];

test("capabilities per role", () => {
  expect(capsOf({ role: "viewer" })).toEqual({ act: false, assignOthers: false, manage: false, pickOrganization: false });
  expect(capsOf({ role: "agent" })).toMatchObject({ act: true, assignOthers: false });
  expect(capsOf({ role: "org_admin" })).toMatchObject({ act: true, assignOthers: true, pickOrganization: false });
  expect(capsOf({ role: "super_admin" })).toMatchObject({ act: true, assignOthers: true, pickOrganization: true });
  expect(capsOf(null).act).toBe(false);
});

test("a viewer reads the conversation but gets no reply box and no action", async () => {
  open("viewer");
  await screen.findByRole("heading", { name: "Lin Tester" });
  expect(screen.getByText("A human will answer")).toBeInTheDocument();
  expect(screen.queryByRole("textbox", { name: "Reply" })).toBeNull();
  expect(screen.queryByRole("group", { name: "Conversation actions" })).toBeNull();
  for (const name of ACTIONS) expect(screen.queryByRole("button", { name })).toBeNull();
  expect(screen.queryByRole("button", { name: /Send/ })).toBeNull();
  expect(screen.getByRole("note")).toHaveTextContent(/read this conversation/);
});

test("an agent replies and acts, but does not hand conversations to others", async () => {
  open("agent");
  await screen.findByRole("heading", { name: "Lin Tester" });
  expect(screen.getByRole("textbox", { name: "Reply" })).toBeInTheDocument();
  const actions = screen.getByRole("group", { name: "Conversation actions" });
  for (const name of ["Take over", "Give the bot back", "Restart flow…", "Close"]) {
    expect(within(actions).getByRole("button", { name })).toBeEnabled();
  }
  expect(within(actions).queryByRole("button", { name: "Assign to…" })).toBeNull();
  expect(within(actions).queryByRole("button", { name: "Release" })).toBeNull(); // nobody has it
});

test("an admin also assigns to an agent", async () => {
  open("org_admin");
  const actions = await screen.findByRole("group", { name: "Conversation actions" });
  expect(within(actions).getByRole("button", { name: "Assign to…" })).toBeInTheDocument();
});

test("the bot's conversation offers no resume; one I hold offers release, not take over", async () => {
  const me = user("agent").id;
  open("agent", detail({ status: "handoff", assigned_to: me }));
  const actions = await screen.findByRole("group", { name: "Conversation actions" });
  expect(within(actions).getByRole("button", { name: "Release" })).toBeInTheDocument();
  expect(within(actions).queryByRole("button", { name: "Take over" })).toBeNull();
});

test("with the bot: no 'Give the bot back'", async () => {
  open("agent", detail({ status: "active", handoff_at: null }));
  const actions = await screen.findByRole("group", { name: "Conversation actions" });
  expect(within(actions).queryByRole("button", { name: "Give the bot back" })).toBeNull();
  expect(within(actions).getByRole("button", { name: "Take over" })).toBeInTheDocument();
});

test("a closed conversation: only restart, no reply box", async () => {
  open("agent", detail({ status: "closed", close_reason: "completed" }));
  const actions = await screen.findByRole("group", { name: "Conversation actions" });
  expect(within(actions).getAllByRole("button").map((b) => b.textContent)).toEqual(["Restart flow…"]);
  expect(screen.queryByRole("textbox", { name: "Reply" })).toBeNull();
});

test("a reply is posted and shows as sending until the history has it", async () => {
  const posted: unknown[] = [];
  const { fetch } = open("agent", detail(), {
    "POST /conversations/5511900000001/send": (init: RequestInit) => {
      posted.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify({ status: "accepted" }), { status: 202 });
    },
  });
  const box = await screen.findByRole("textbox", { name: "Reply" });
  await userEvent.type(box, "On my way{Enter}");
  await waitFor(() => expect(posted).toEqual([{ message: "On my way" }]));
  expect(fetch.calls).toContain("POST /conversations/5511900000001/send");
  expect(screen.getByText("On my way")).toBeInTheDocument();
  expect(screen.getByRole("img", { name: "Sending" })).toBeInTheDocument();
  expect(box).toHaveValue("");
});

test("outside the 24-hour window the reply box becomes a template form", async () => {
  const posted: unknown[] = [];
  open("agent", detail({}, new Date(Date.now() - 3600_000).toISOString()), {
    "POST /conversations/5511900000001/send": (init: RequestInit) => {
      posted.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify({ status: "accepted" }), { status: 202 });
    },
  });
  await screen.findByRole("heading", { name: "Lin Tester" });
  expect(screen.queryByRole("textbox", { name: "Reply" })).toBeNull();
  await userEvent.type(screen.getByRole("textbox", { name: "Template name" }), "order_update");
  await userEvent.click(screen.getByRole("button", { name: "Add body parameter" }));
  await userEvent.type(screen.getByRole("textbox", { name: "Body parameter {{1}}" }), "Lin");
  await userEvent.click(screen.getByRole("button", { name: "Send template" }));
  await waitFor(() =>
    expect(posted).toEqual([
      {
        template: {
          name: "order_update",
          language_code: "en_US",
          components: [{ type: "body", parameters: [{ type: "text", text: "Lin" }] }],
        },
      },
    ]),
  );
});

test("variables read as a key/value list, never JSON", async () => {
  const { container } = open("viewer");
  await screen.findByRole("heading", { name: "Lin Tester" });
  const details = screen.getByRole("complementary", { name: "Conversation details" });
  expect(within(details).getByText("order")).toBeInTheDocument();
  expect(within(details).getByText("4410")).toBeInTheDocument();
  expect(within(details).getByText("São Paulo")).toBeInTheDocument();
  expect(container.textContent).not.toMatch(/[{}]"|":/);
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ConversationDetail } from "./api/types";
import { ConversationView } from "./components/Conversation";
import { detail, user } from "./test/fixtures";
import { renderWith } from "./test/render";

const PHONE = "5511900000001";
const accepted = () => new Response(JSON.stringify({ status: "accepted" }), { status: 202 });

test("giving the bot back sends resume only, and is busy until the conversation shows it unassigned", async () => {
  const me = user("agent").id;
  let current: ConversationDetail = detail({ status: "handoff", assigned_to: me });
  const { fetch, queries } = renderWith(<ConversationView number="100000000000001" phone={PHONE} backTo="/" />, {
    user: user("agent"),
    routes: {
      [`/conversations/${PHONE}`]: () => current,
      "/whatsapp/": { numbers: [], total: 0, page: 1, per_page: 100 },
      "/flows": { flows: [], total: 0, page: 1, per_page: 100 },
      [`POST /conversations/${PHONE}/resume`]: () => {
        // The bot has it again; the executor's release has not reached the projection yet.
        current = detail({ status: "active", assigned_to: me, handoff_at: null });
        return accepted();
      },
    },
  });
  const actions = await screen.findByRole("group", { name: "Conversation actions" });
  await userEvent.click(within(actions).getByRole("button", { name: "Give the bot back" }));
  await waitFor(() => expect(within(actions).queryByRole("button", { name: "Give the bot back" })).toBeNull());
  // Still busy: every action waits while the agent is still assigned.
  for (const b of within(actions).getAllByRole("button")) expect(b).toBeDisabled();

  current = detail({ status: "active", assigned_to: null, handoff_at: null });
  await queries.invalidateQueries();
  await waitFor(() => expect(within(actions).getByRole("button", { name: "Take over" })).toBeEnabled());
  expect(fetch.calls.filter((c) => c.startsWith("POST /conversations"))).toEqual([`POST /conversations/${PHONE}/resume`]);
});

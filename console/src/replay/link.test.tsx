import { screen } from "@testing-library/react";
import { ConversationView } from "../components/Conversation";
import { detail, user } from "../test/fixtures";
import { renderWith } from "../test/render";

test("the open conversation links to its replay, by number, phone and conversation id", async () => {
  renderWith(<ConversationView number="100000000000001" phone="5511900000001" backTo="/" />, {
    user: user("viewer"),
    routes: {
      "/conversations/5511900000001": detail(),
      "/users": { users: [], total: 0, page: 1, per_page: 100 },
      "/whatsapp/": { numbers: [], total: 0, page: 1, per_page: 100 },
      "/flows/flow-1": { id: "flow-1", canvas_data: { nodes: [] } },
    },
  });
  const link = await screen.findByRole("link", { name: "Replay" });
  expect(link).toHaveAttribute("href", "/replay/100000000000001/5511900000001?conversation=conv-1");
});

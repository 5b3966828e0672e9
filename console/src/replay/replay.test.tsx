import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import type { FlowCanvasProps, ReplayOut, RerunOut } from "../flow/contract";
import { renderWith } from "../test/render";
import { user } from "../test/fixtures";
import { stateRows, visitedUpTo } from "./replay";
import { ReplayPage } from "./ReplayPage";

const canvasProps: FlowCanvasProps[] = [];
vi.mock("../flow/editor/FlowCanvas", () => ({
  FlowCanvas: (props: FlowCanvasProps) => {
    canvasProps.push(props);
    return <div data-testid="canvas" data-active={props.overlay?.activeNodeId ?? ""} data-visited={(props.overlay?.visitedNodeIds ?? []).join(",")} />;
  },
}));

const PHONE = "5511900000001";
const NUMBER = "100000000000001";

function replay(conversation: string): ReplayOut {
  return {
    key: `${NUMBER}:${PHONE}`,
    conversation_id: conversation,
    conversations: ["conv-0", "conv-1"],
    flow_id: "flow-1",
    flow_version: 2,
    steps: [
      { n: 1, at: "2026-03-02T10:00:00Z", type: "ConversationStarted", summary: "started", node_id: "start", state: { status: "active", current_node_id: "start", variables: {}, timers: [] } },
      { n: 2, at: "2026-03-02T10:00:01Z", type: "MessageSent", summary: "sent the menu", node_id: "menu", state: { status: "active", current_node_id: "menu", variables: {}, timers: [] } },
      { n: 3, at: "2026-03-02T10:00:09Z", type: "InputReceived", summary: "chose pizza", node_id: null, state: { status: "active", current_node_id: "ask", variables: { choice: "pizza" }, timers: [] } },
      { n: 4, at: "2026-03-02T10:00:10Z", type: "ConversationClosed", summary: "completed", node_id: "end", state: { status: "closed", current_node_id: "end", variables: { choice: "pizza" }, timers: [] } },
    ],
  };
}

const RERUN: RerunOut = {
  conversation_id: "conv-1",
  recorded_flow: "v2",
  target_flow: "v3",
  first_divergence: 2,
  rows: [
    { n: 1, command: "start", recorded: ["What would you like?"], rerun: ["What would you like?"], same: true, note: "" },
    { n: 2, command: "button pizza", recorded: ["Your name?"], rerun: ["Which size?"], same: false, note: "a new question" },
  ],
};

function open(path = `/replay/${NUMBER}/${PHONE}?conversation=conv-1`) {
  const asked: string[] = [];
  const result = renderWith(
    <Routes>
      <Route path="/replay/:number/:phone" element={<ReplayPage />} />
    </Routes>,
    {
      user: user("org_admin"),
      path,
      routes: {
        [`/conversations/${PHONE}/replay`]: (_: RequestInit, url: URL) => {
          asked.push(url.search);
          return replay(url.searchParams.get("conversation_id") ?? "conv-1");
        },
        "/flows/flow-1/versions/2": { flow_id: "flow-1", version: 2, published_at: "2026-03-01T00:00:00Z", canvas_data: { nodes: [], edges: [] }, variables: {} },
        "/flows/flow-1/versions": {
          versions: [
            { version: 2, published_at: "2026-03-01T00:00:00Z", published_by: null },
            { version: 3, published_at: "2026-03-03T00:00:00Z", published_by: null },
          ],
        },
        [`POST /conversations/${PHONE}/rerun`]: (_: RequestInit, url: URL) => {
          asked.push(url.search);
          return RERUN;
        },
      },
    },
  );
  return { ...result, asked };
}

test("stateRows marks what a step changed; visitedUpTo is the path so far", () => {
  const rows = stateRows({ status: "active", variables: { a: 1, b: 2 } }, { status: "closed", variables: { a: 1, c: 3 } });
  expect(rows.map((r) => [r.key, r.change])).toEqual([
    ["status", "changed"],
    ["variables.a", "same"],
    ["variables.c", "added"],
    ["variables.b", "removed"],
  ]);
  expect(visitedUpTo(replay("c").steps, 3)).toEqual(["start", "menu", "end"]);
});

test("the replay steps through the recorded events with buttons and arrow keys", async () => {
  const { asked } = open();
  const main = screen.getByRole("main", { name: "Conversation replay" });
  const steps = await within(main).findByRole("list", { name: "Steps" });
  expect(asked[0]).toBe(`?number=${NUMBER}&conversation_id=conv-1`);
  expect(within(steps).getAllByRole("button")).toHaveLength(4);
  const state = () => within(main).getByRole("table", { name: "State after step" });
  expect(within(steps).getAllByRole("button")[0]).toHaveAttribute("aria-current", "step");
  expect(within(main).getByRole("button", { name: "Previous step" })).toBeDisabled();
  const canvas = await screen.findByTestId("canvas");
  expect(canvas).toHaveAttribute("data-active", "start");
  expect(canvasProps.at(-1)?.readOnly).toBe(true);

  const u = userEvent.setup();
  await u.click(within(main).getByRole("button", { name: "Next step" }));
  expect(within(state()).getByRole("row", { name: /current_node_id/ })).toHaveTextContent("menu");
  expect(within(state()).getByRole("row", { name: /current_node_id/ })).toHaveTextContent("changed");

  fireEvent.keyDown(window, { key: "ArrowDown" });
  // Step 3 has no node of its own: the canvas shows where the state stands.
  await waitFor(() => expect(screen.getByTestId("canvas")).toHaveAttribute("data-active", "ask"));
  expect(screen.getByTestId("canvas")).toHaveAttribute("data-visited", "start,menu");
  expect(within(state()).getByRole("row", { name: /variables\.choice/ })).toHaveTextContent("new");

  await u.click(within(steps).getByRole("button", { name: /ConversationClosed/ }));
  expect(within(main).getByRole("button", { name: "Next step" })).toBeDisabled();
  expect(within(state()).getByRole("row", { name: /^status/ })).toHaveTextContent("closed");
  fireEvent.keyDown(window, { key: "ArrowUp" });
  expect(within(steps).getAllByRole("button")[2]).toHaveAttribute("aria-current", "step");

  // Another conversation of the contact.
  await u.selectOptions(within(main).getByRole("combobox", { name: "Conversation" }), "conv-0");
  await waitFor(() => expect(asked.at(-1)).toBe(`?number=${NUMBER}&conversation_id=conv-0`));
  await waitFor(() => expect(within(screen.getByRole("list", { name: "Steps" })).getAllByRole("button")[0]).toHaveAttribute("aria-current", "step"));
});

test("a re-run on another version compares recorded and re-run messages, the first divergence called out", async () => {
  const { asked } = open();
  const u = userEvent.setup();
  const select = await screen.findByRole("combobox", { name: "Version" });
  await waitFor(() => expect(select).toHaveValue("3"));
  await u.click(screen.getByRole("button", { name: "Re-run" }));
  const table = await screen.findByRole("table", { name: "Re-run comparison" });
  expect(asked.at(-1)).toBe(`?number=${NUMBER}&version=3&conversation_id=conv-1`);
  const rows = within(table).getAllByRole("row").slice(1);
  expect(rows[0]).not.toHaveClass("is-diff");
  expect(rows[1]).toHaveClass("is-diff");
  expect(rows[1]).toHaveTextContent("Your name?");
  expect(rows[1]).toHaveTextContent("Which size?");
  expect(rows[1]).toHaveTextContent("differs");
  expect(screen.getByText(/First divergence at command 2 \(button pizza\): a new question/)).toBeInTheDocument();
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { CanvasOverlay, FlowDocument, SimulateIn, SimulateOut } from "../contract";
import { renderWith } from "../../test/render";
import { user } from "../../test/fixtures";
import { SimulatorPanel } from "./Simulator";

const DOC: FlowDocument = {
  canvas_data: { nodes: [{ id: "start", type: "start", data: {} }], edges: [] },
  variables: { greeting: "hi" },
};

function answer(over: Partial<SimulateOut>): SimulateOut {
  return {
    state: null,
    messages: [],
    steps: [],
    events: [],
    calls: [],
    variables: {},
    current_node_id: null,
    status: "waiting",
    close_reason: null,
    timers: [],
    ...over,
  };
}

const text = (node_id: string, t: string) => ({ node_id, type: "text", text: t, buttons: [], list: null, body: {} });

/** A pizza flow: start → menu (buttons) → ask name (text) → delay (timer) → end. */
function engine(input: SimulateIn["input"]): SimulateOut {
  switch (input.kind) {
    case "start":
      return answer({
        state: { turn: 1 },
        messages: [{ ...text("menu", "What would you like?"), type: "interactive", buttons: [{ id: "pizza", title: "Pizza" }, { id: "pasta", title: "Pasta" }] }],
        steps: [{ node_id: "start", node_type: "start" }, { node_id: "menu", node_type: "interactive_buttons" }],
        events: [{ type: "ConversationStarted", summary: "started on version draft" }],
        variables: { greeting: "hi" },
        current_node_id: "menu",
      });
    case "button":
      return answer({
        state: { turn: 2 },
        messages: [text("ask_name", "Your name?")],
        steps: [{ node_id: "ask_name", node_type: "question" }],
        events: [{ type: "ButtonChosen", summary: `chose ${input.id}` }],
        variables: { greeting: "hi", choice: input.id },
        current_node_id: "ask_name",
        calls: [{ node_id: "price", method: "GET", url: "https://api.example/price", made: false, status: null, error: null }],
      });
    case "text":
      return answer({
        state: { turn: 3 },
        messages: [text("wait", `Thanks ${input.text}, one moment`)],
        steps: [{ node_id: "wait", node_type: "delay" }],
        variables: { greeting: "hi", choice: "pizza", name: input.text },
        current_node_id: "wait",
        timers: [{ timer_id: "t-1", kind: "delay", node_id: "wait", in_seconds: 600 }],
      });
    case "timer":
      return answer({
        state: { turn: 4 },
        messages: [text("end", "Your pizza is ready")],
        steps: [{ node_id: "end", node_type: "end" }],
        variables: { greeting: "hi", choice: "pizza", name: "Lin" },
        current_node_id: null,
        status: "closed",
        close_reason: "completed",
      });
    default:
      throw new Error("unexpected input");
  }
}

test("the simulator runs a conversation: start, a button, a text answer, a fast-forwarded timer", async () => {
  const bodies: SimulateIn[] = [];
  const overlays: (CanvasOverlay | null)[] = [];
  const { unmount } = renderWith(
    <SimulatorPanel flowId="flow-1" version={null} document={DOC} onOverlay={(o) => overlays.push(o)} />,
    {
      user: user("org_admin"),
      routes: {
        "POST /flows/flow-1/simulate": (init: RequestInit) => {
          const body = JSON.parse(String(init.body)) as SimulateIn;
          bodies.push(body);
          return engine(body.input);
        },
      },
    },
  );
  const panel = screen.getByRole("region", { name: "Simulator" });
  const u = userEvent.setup();
  expect(within(panel).getByRole("checkbox", { name: "Allow HTTP calls" })).not.toBeChecked();
  expect(within(panel).getByRole("textbox", { name: "Message" })).toBeDisabled();

  await u.click(within(panel).getByRole("button", { name: "Start" }));
  await screen.findByText("What would you like?");
  expect(bodies[0]).toEqual({ version: null, document: DOC, state: null, input: { kind: "start" }, allow_http: false });
  expect(overlays.at(-1)).toEqual({ activeNodeId: "menu", visitedNodeIds: ["start", "menu"] });
  expect(within(panel).getByRole("button", { name: "Restart" })).toBeInTheDocument();

  await u.click(within(panel).getByRole("button", { name: "Pizza" }));
  await screen.findByText("Your name?");
  expect(bodies[1].input).toEqual({ kind: "button", id: "pizza", title: "Pizza" });
  expect(bodies[1].state).toEqual({ turn: 1 });
  expect(screen.getAllByTestId("sim-contact-message").map((m) => m.textContent)).toEqual(["Pizza"]);
  // Like WhatsApp: the contact's bubbles on one side, the bot's on the other, each bot bubble
  // with the node that sent it.
  expect(screen.getAllByTestId("sim-contact-message")[0]).toHaveClass("sim-from-contact");
  const fromBot = screen.getAllByTestId("sim-bot-message");
  expect(fromBot.every((m) => m.classList.contains("sim-from-bot"))).toBe(true);
  expect(fromBot.at(-1)).toHaveTextContent(/^ask_nameYour name\?/);
  // The earlier message's buttons are no longer offered.
  expect(within(panel).queryByRole("button", { name: "Pizza" })).toBeNull();
  const vars = within(panel).getByRole("table", { name: "Variables" });
  expect(within(vars).getByRole("rowheader", { name: /choice/ }).closest("tr")).toHaveClass("is-changed");
  expect(within(vars).getByRole("rowheader", { name: /greeting/ }).closest("tr")).not.toHaveClass("is-changed");
  expect(within(panel).getByRole("list", { name: "HTTP calls" })).toHaveTextContent("Skipped (HTTP calls are off)");

  await u.type(within(panel).getByRole("textbox", { name: "Message" }), "Lin");
  await u.click(within(panel).getByRole("button", { name: "Send" }));
  await screen.findByText("Thanks Lin, one moment");
  expect(bodies[2].input).toEqual({ kind: "text", text: "Lin" });
  expect(bodies[2].state).toEqual({ turn: 2 });
  expect(overlays.at(-1)).toEqual({ activeNodeId: "wait", visitedNodeIds: ["start", "menu", "ask_name", "wait"] });

  await u.click(within(panel).getByRole("button", { name: "Fast-forward delay" }));
  await screen.findByText("Your pizza is ready");
  expect(bodies[3].input).toEqual({ kind: "timer", timer_id: "t-1" });
  expect(bodies[3].state).toEqual({ turn: 3 });
  expect(within(panel).getByRole("status")).toHaveTextContent("Closed: completed");
  expect(screen.getAllByTestId("sim-bot-message")).toHaveLength(4);
  expect(screen.getByText("Fast-forwarded the delay timer")).toBeInTheDocument();
  expect(within(panel).queryByRole("button", { name: /Fast-forward/ })).toBeNull();

  // Restart begins a new conversation: no state passed, the transcript starts over.
  await u.click(within(panel).getByRole("checkbox", { name: "Allow HTTP calls" }));
  await u.click(within(panel).getByRole("button", { name: "Restart" }));
  await waitFor(() => expect(screen.getAllByTestId("sim-bot-message")).toHaveLength(1));
  expect(bodies[4]).toMatchObject({ state: null, input: { kind: "start" }, allow_http: true });
  expect(screen.queryAllByTestId("sim-contact-message")).toHaveLength(0);

  unmount();
  expect(overlays.at(-1)).toBeNull();
});

test("a published version is run by number, without the document", async () => {
  const bodies: SimulateIn[] = [];
  renderWith(<SimulatorPanel flowId="flow-1" version={3} document={DOC} onOverlay={() => {}} />, {
    user: user("org_admin"),
    routes: {
      "POST /flows/flow-1/simulate": (init: RequestInit) => {
        bodies.push(JSON.parse(String(init.body)) as SimulateIn);
        return engine({ kind: "start" });
      },
    },
  });
  await userEvent.setup().click(screen.getByRole("button", { name: "Start" }));
  await screen.findByText("What would you like?");
  expect(bodies[0]).toMatchObject({ version: 3, document: null });
});

test("an invalid draft shows its located errors, and a list reply sends the row", async () => {
  let invalid = true;
  const bodies: SimulateIn[] = [];
  renderWith(<SimulatorPanel flowId="flow-1" version={null} document={DOC} onOverlay={() => {}} />, {
    user: user("org_admin"),
    routes: {
      "POST /flows/flow-1/simulate": (init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as SimulateIn;
        bodies.push(body);
        if (invalid) {
          invalid = false;
          return new Response(
            JSON.stringify({
              error: {
                code: "invalid_flow",
                message: "the flow has errors",
                errors: [{ node_id: "menu", field: "buttons", message: "more than 3 buttons", severity: "error" }],
              },
            }),
            { status: 422 },
          );
        }
        if (body.input.kind === "list") return answer({ messages: [text("end", `Chosen ${body.input.id}`)], status: "closed", close_reason: "completed" });
        return answer({
          state: { s: 1 },
          messages: [
            {
              node_id: "pick",
              type: "interactive",
              text: "Pick a size",
              buttons: [],
              list: { button: "Sizes", sections: [{ title: "All", rows: [{ id: "l", title: "Large", description: "8 slices" }] }] },
              body: {},
            },
            { node_id: "promo", type: "template", text: "", buttons: [], list: null, body: { template: { name: "promo", language: { code: "pt_BR" } } } },
          ],
        });
      },
    },
  });
  const u = userEvent.setup();
  await u.click(screen.getByRole("button", { name: "Start" }));
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("the flow has errors");
  expect(within(alert).getByRole("list", { name: "Flow errors" })).toHaveTextContent("menu · buttons: more than 3 buttons");

  await u.click(screen.getByRole("button", { name: "Start" }));
  await screen.findByText("Pick a size");
  expect(screen.queryByRole("alert")).toBeNull();
  expect(screen.getByText("Template “promo” (pt_BR)")).toBeInTheDocument();
  await u.click(screen.getByRole("button", { name: "Large" }));
  await screen.findByText("Chosen l");
  expect(bodies.at(-1)?.input).toEqual({ kind: "list", id: "l", title: "Large" });
});

test("a network failure is shown in the panel, and the conversation can be started again", async () => {
  let down = true;
  renderWith(<SimulatorPanel flowId="flow-1" version={null} document={DOC} onOverlay={() => {}} />, {
    user: user("org_admin"),
    routes: {
      "POST /flows/flow-1/simulate": () => {
        if (down) {
          down = false;
          throw new TypeError("Failed to fetch");
        }
        return engine({ kind: "start" });
      },
    },
  });
  const u = userEvent.setup();
  await u.click(screen.getByRole("button", { name: "Start" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("The server cannot be reached");
  await u.click(screen.getByRole("button", { name: "Start" }));
  await screen.findByText("What would you like?");
  expect(screen.queryByRole("alert")).toBeNull();
});

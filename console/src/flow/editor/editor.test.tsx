import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { beforeAll, describe, expect, it } from "vitest";
import { user } from "../../test/fixtures";
import { renderWith } from "../../test/render";
import { FlowEditorPage } from "./FlowEditor";

// React Flow measures with ResizeObserver and DOMMatrix, which jsdom lacks.
beforeAll(() => {
  class RO {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  globalThis.ResizeObserver ??= RO as unknown as typeof ResizeObserver;
  class Matrix {
    m22 = 1;
    constructor(_t?: string) {}
  }
  (globalThis as unknown as { DOMMatrixReadOnly: unknown }).DOMMatrixReadOnly ??= Matrix;
});

const FLOW = {
  id: "flow-1",
  organization_id: "org",
  chatbot_id: "bot-1",
  name: "Sales",
  description: "",
  is_main: true,
  is_fallback: false,
  is_active: true,
  published_version: null,
  created_at: "2024-01-01T00:00:00Z",
  updated_at: "2024-01-01T00:00:00Z",
  variables: {},
  // no positions: laid out on load; the condition's edges use labels, not sourceHandle
  canvas_data: {
    nodes: [
      { id: "start", type: "start", data: {} },
      { id: "ask", type: "interactive_buttons", data: { bodyText: "Pick one", buttons: [{ id: "yes", title: "Yes" }] } },
      { id: "check", type: "condition", data: { conditions: [{ variable: "x", operator: "==", value: "1" }] } },
      { id: "bye", type: "end", data: { content: "Bye" } },
    ],
    edges: [
      { source: "start", target: "ask" },
      { id: "t", source: "check", target: "bye", label: "True" },
    ],
  },
};

function open(role: "org_admin" | "viewer" = "org_admin", routes: Record<string, unknown> = {}) {
  return renderWith(
    <Routes>
      <Route path="/flows/:flowId" element={<FlowEditorPage />} />
    </Routes>,
    { user: user(role), path: "/flows/flow-1", routes: { "/flows/flow-1": FLOW, ...routes } },
  );
}

describe("flow editor", () => {
  it("draws every node of the document with its test id and accessible name", async () => {
    open();
    expect(await screen.findByTestId("node-ask")).toHaveAttribute("aria-label", "interactive_buttons node ask");
    expect(screen.getByTestId("node-check")).toBeInTheDocument();
    expect(screen.getByText("All changes saved")).toBeInTheDocument();
  });

  it("adds a node from the palette, and shows a button-title limit warning in the form and on the node", async () => {
    const u = userEvent.setup();
    open();
    await screen.findByTestId("node-ask");
    await u.click(screen.getByRole("button", { name: "Add interactive_buttons node" }));
    expect(await screen.findByTestId("node-interactive_buttons-1")).toBeInTheDocument();
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    const title = screen.getByLabelText("Button 1 title");
    await u.clear(title);
    await u.type(title, "A title much longer than twenty");
    const form = screen.getByRole("form", { name: /interactive_buttons node interactive_buttons-1/ });
    expect(within(form).getAllByText(/button title of 31 characters; at most 20/).length).toBeGreaterThan(0);
    expect(screen.getByTestId("limit-badge-interactive_buttons-1")).toHaveTextContent("1 warning");
    expect(within(form).getByText("31 / 20")).toHaveClass("is-over");

    // one undo takes back the whole typing; another removes the node
    await u.click(screen.getByRole("button", { name: "Undo" }));
    expect(screen.queryByTestId("limit-badge-interactive_buttons-1")).not.toBeInTheDocument();
    await u.click(screen.getByRole("button", { name: "Undo" }));
    expect(screen.queryByTestId("node-interactive_buttons-1")).not.toBeInTheDocument();
    await u.click(screen.getByRole("button", { name: "Redo" }));
    expect(screen.getByTestId("node-interactive_buttons-1")).toBeInTheDocument();
  });

  it("connects a branch with the form's select, and saves sourceHandle and label", async () => {
    const u = userEvent.setup();
    let body: { canvas_data: { edges: Record<string, unknown>[] } } | null = null;
    open("org_admin", {
      "PUT /flows/flow-1": (init: RequestInit) => {
        body = JSON.parse(String(init.body));
        return { ...FLOW, canvas_data: body!.canvas_data };
      },
    });
    fireEvent.click(await screen.findByTestId("node-check"));
    const whenTrue = await screen.findByLabelText("When true");
    expect(whenTrue).toHaveValue("bye"); // the stored label "True" lands on the true handle
    await u.selectOptions(screen.getByLabelText("When false"), "ask");
    await u.click(screen.getByRole("button", { name: "Save draft" }));
    await waitFor(() => expect(screen.getByText("All changes saved")).toBeInTheDocument());
    expect(body!.canvas_data.edges).toContainEqual(
      expect.objectContaining({ source: "check", target: "ask", sourceHandle: "false", label: "false" }),
    );
  });

  it("shows a refused publish's errors on the node and in a list that selects it", async () => {
    const u = userEvent.setup();
    open("org_admin", {
      "POST /flows/flow-1/publish": () =>
        new Response(
          JSON.stringify({
            error: {
              code: "invalid_flow",
              message: "the flow has errors; nothing was published",
              errors: [{ node_id: "check", field: "edges", message: "no false branch; a condition needs both" }],
              warnings: [],
            },
          }),
          { status: 422 },
        ),
    });
    await screen.findByTestId("node-check");
    await u.click(screen.getByRole("button", { name: "Publish" }));
    const list = await screen.findByRole("region", { name: "Validation" });
    expect(within(screen.getByTestId("node-check")).getByText("1 error")).toBeInTheDocument();
    await u.click(within(list).getByRole("button", { name: /no false branch/ }));
    expect(screen.getByRole("form", { name: /condition node check/ })).toHaveTextContent("no false branch");
  });

  it("draws a draft whose nodes overlap laid out, as display only: nothing unsaved until Tidy up", async () => {
    const u = userEvent.setup();
    const stacked = {
      ...FLOW,
      canvas_data: {
        nodes: FLOW.canvas_data.nodes.map((n, i) => ({ ...n, position: { x: 0, y: i * 80 } })),
        edges: [...FLOW.canvas_data.edges, { source: "ask", target: "check", sourceHandle: "yes" }],
      },
    };
    let body: { canvas_data: { nodes: { id: string; position: { x: number; y: number } }[] } } | null = null;
    renderWith(
      <Routes>
        <Route path="/flows/:flowId" element={<FlowEditorPage />} />
      </Routes>,
      {
        user: user("org_admin"),
        path: "/flows/flow-1",
        routes: {
          "/flows/flow-1": stacked,
          "PUT /flows/flow-1": (init: RequestInit) => {
            body = JSON.parse(String(init.body));
            return { ...stacked, canvas_data: body!.canvas_data };
          },
        },
      },
    );
    await screen.findByTestId("node-ask");
    const y = (id: string) => Number(/translate\([^,]+,\s*(-?[\d.]+)px\)/.exec(screen.getByTestId(`node-${id}`).style.transform)?.[1]);
    expect(y("check") - y("ask")).toBeGreaterThan(150);
    expect(screen.getByText("All changes saved")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Save draft" })).toBeDisabled();

    // Another edit saves the stored positions, not the display layout.
    await u.click(screen.getByRole("button", { name: "Add message node" }));
    // placed below the nodes as drawn, not below their stored (overlapping) positions
    expect(y("message-1")).toBeGreaterThan(y("bye"));
    await u.click(screen.getByRole("button", { name: "Save draft" }));
    await waitFor(() => expect(screen.getByText("All changes saved")).toBeInTheDocument());
    expect(body!.canvas_data.nodes.find((n) => n.id === "check")?.position).toEqual({ x: 0, y: 160 });

    // Tidy up makes a layout part of the draft.
    await u.click(screen.getByRole("button", { name: "Tidy up" }));
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await u.click(screen.getByRole("button", { name: "Save draft" }));
    await waitFor(() => expect(screen.getByText("All changes saved")).toBeInTheDocument());
    const saved = body!.canvas_data.nodes;
    const at = (id: string) => saved.find((n) => n.id === id)!.position.y;
    expect(at("check") - at("ask")).toBeGreaterThan(150);
  });

  it("is read-only for a viewer: no palette, no save", async () => {
    open("viewer");
    await screen.findByTestId("node-ask");
    expect(screen.queryByRole("button", { name: "Add message node" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save draft" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Validate" })).toBeInTheDocument();
  });
});

describe("a message node's stored file", () => {
  it("uploads a file to the media store and sends it by its id", async () => {
    const u = userEvent.setup();
    let sent: unknown = null;
    const withMessage = {
      ...FLOW,
      canvas_data: {
        nodes: [
          { id: "start", type: "start", position: { x: 0, y: 0 }, data: {} },
          { id: "menu", type: "message", position: { x: 0, y: 200 }, data: { content: "Our menu", mediaType: "image" } },
        ],
        edges: [{ source: "start", target: "menu" }],
      },
    };
    open("org_admin", {
      "/flows/flow-1": withMessage,
      "POST /media": (init: RequestInit) => {
        sent = init.body;
        return { id: "3f1b2c4d-0000-4000-8000-000000000001", mime_type: "image/png", size: 4 };
      },
    });
    fireEvent.click(await screen.findByTestId("node-menu"));
    const file = new File([new Uint8Array([137, 80, 78, 71])], "menu.png", { type: "image/png" });
    await u.upload(screen.getByLabelText("Upload a file"), file);
    expect(await screen.findByText("Uploaded menu.png.")).toBeInTheDocument();
    expect(sent).toBeInstanceOf(FormData);
    expect(screen.getByLabelText("Media file")).toHaveValue("3f1b2c4d-0000-4000-8000-000000000001");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
  });
});

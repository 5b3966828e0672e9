import { render, screen } from "@testing-library/react";
import { beforeAll, expect, it } from "vitest";
import { FlowCanvas } from "./FlowCanvas";

beforeAll(() => {
  class RO {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  globalThis.ResizeObserver ??= RO as unknown as typeof ResizeObserver;
  class Matrix {
    m22 = 1;
  }
  (globalThis as unknown as { DOMMatrixReadOnly: unknown }).DOMMatrixReadOnly ??= Matrix;
});

it("draws a panel's overlay: the active node, the visited ones and the heat figures", () => {
  render(
    <FlowCanvas
      readOnly
      document={{
        canvas_data: {
          nodes: [
            { id: "start", type: "start", position: { x: 0, y: 0 }, data: {} },
            { id: "m", type: "message", position: { x: 0, y: 150 }, data: { content: "Hi" } },
          ],
          edges: [{ id: "e1", source: "start", target: "m" }],
        },
        variables: {},
      }}
      overlay={{
        activeNodeId: "m",
        visitedNodeIds: ["start", "m"],
        heat: { m: { entered: 40, left: 30, stoppedHere: 0, droppedHere: 10, dropOffRatePercent: 25 } },
      }}
    />,
  );
  expect(screen.getByTestId("node-m")).toHaveAttribute("data-active", "true");
  expect(screen.getByTestId("node-m")).toHaveAttribute("aria-current", "step");
  expect(screen.getByTestId("node-start")).toHaveAttribute("data-visited", "true");
  expect(screen.getByTestId("heat-m")).toHaveTextContent("40 in30 on10 dropped25%");
  expect(screen.getByTestId("heat-m")).toHaveClass("heat-mid");
});

const OVERLAPPING = {
  canvas_data: {
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 0 }, data: {} },
      { id: "q", type: "question", position: { x: 0, y: 120 }, data: { content: "Your name?", variableName: "name", responseType: "text" } },
      { id: "bye", type: "end", position: { x: 0, y: 240 }, data: {} },
    ],
    edges: [
      { id: "e1", source: "start", target: "q" },
      { id: "e2", source: "q", target: "bye" },
    ],
  },
  variables: {},
};

function y(id: string): number {
  const m = /translate\(\s*(-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(screen.getByTestId(`node-${id}`).style.transform);
  if (!m) throw new Error(`no position on node-${id}: ${screen.getByTestId(`node-${id}`).style.transform}`);
  return Number(m[2]);
}

it("draws a document whose nodes overlap laid out, without touching the document", () => {
  const doc = structuredClone(OVERLAPPING);
  render(<FlowCanvas readOnly document={doc} />);
  // The question (~150px tall) no longer runs into the end node.
  expect(y("bye") - y("q")).toBeGreaterThan(150);
  expect(y("q") - y("start")).toBeGreaterThan(40);
  expect(doc).toEqual(OVERLAPPING);
});

it("draws a document whose nodes do not overlap where it says", () => {
  const doc = structuredClone(OVERLAPPING);
  doc.canvas_data.nodes[1].position = { x: 0, y: 200 };
  doc.canvas_data.nodes[2].position = { x: 0, y: 420 };
  render(<FlowCanvas readOnly document={doc} />);
  expect([y("start"), y("q"), y("bye")]).toEqual([0, 200, 420]);
});

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

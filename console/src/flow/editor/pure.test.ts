import { describe, expect, it } from "vitest";
import type { FlowDocument } from "../contract";
import { ImportError, importDocument, parseImport } from "./dialect";
import { DEFAULT_HANDLE, connect, edgesFrom, handleOf, sourceHandles } from "./handles";
import * as H from "./history";
import { estimateSize, layout, needsDisplayLayout, needsLayout, nodeSizes, overlaps } from "./layout";
import { MAX_TEXT, counter, limitIssues } from "./limits";
import { addNode, emptyDocument, removeNodes } from "./model";

const doc = (nodes: FlowDocument["canvas_data"]["nodes"], edges: FlowDocument["canvas_data"]["edges"] = []): FlowDocument => ({
  canvas_data: { nodes, edges },
  variables: {},
});

describe("importing the older dialect", () => {
  it("moves top-level nodes and edges into canvas_data and renames the older fields", () => {
    const out = importDocument({
      name: "Old",
      nodes: [
        { id: "start", type: "start", data: {} },
        { id: "q", type: "question", data: { questionText: "Name?", outputVariable: "name", validationType: "text" } },
        { id: "m", type: "message", data: { messageText: "Hi" } },
        { id: "e", type: "end", data: { farewellMessage: "Bye" } },
      ],
      edges: [{ source: "start", target: "q" }, { source: "q", target: "m" }, { id: "x", source: "m", target: "e" }],
    });
    expect(out.canvas_data.nodes[1].data).toEqual({ content: "Name?", variableName: "name", responseType: "text" });
    expect(out.canvas_data.nodes[2].data).toEqual({ content: "Hi" });
    expect(out.canvas_data.nodes[3].data).toEqual({ content: "Bye" });
    expect(out.canvas_data.edges.map((e) => e.id)).toEqual(["e1", "e2", "x"]);
    expect(out.canvas_data).not.toHaveProperty("name");
  });

  it("uses a question's label as its prompt when it has no content", () => {
    const out = importDocument({ nodes: [{ id: "q", type: "question", data: { label: "Your age?" } }], edges: [] });
    expect(out.canvas_data.nodes[0].data.content).toBe("Your age?");
  });

  it("accepts a whole flow with canvas_data and keeps its variables and viewport", () => {
    const out = importDocument({
      id: "f", name: "Sales", variables: { company: "Acme" },
      canvas_data: { nodes: [{ id: "start", type: "start", data: {} }], edges: [], viewport: { x: 1, y: 2, zoom: 1 } },
    });
    expect(out.variables).toEqual({ company: "Acme" });
    expect(out.canvas_data.viewport).toEqual({ x: 1, y: 2, zoom: 1 });
  });

  it("keeps the current names when both are present", () => {
    const out = importDocument({ nodes: [{ id: "m", type: "message", data: { content: "new", messageText: "old" } }] });
    expect(out.canvas_data.nodes[0].data).toEqual({ content: "new" });
  });

  it("refuses what is not a flow", () => {
    expect(() => parseImport("not json")).toThrow(ImportError);
    expect(() => parseImport('{"hello": 1}')).toThrow(/no flow found/);
    expect(() => importDocument({ nodes: [{ type: "message" }] })).toThrow(/no id/);
  });
});

describe("Meta's limits", () => {
  it("flags more than 3 buttons and a title over 20 characters, with the validation's paths", () => {
    const issues = limitIssues({
      type: "interactive_buttons",
      data: { buttons: [{ id: "a", title: "ok" }, { id: "b", title: "x".repeat(21) }, { id: "c", title: "c" }, { id: "d", title: "d" }] },
    });
    expect(issues.map((i) => i.field)).toEqual(["buttons", "buttons[1].title"]);
  });

  it("counts list rows over every section", () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: "t" }));
    const ok = limitIssues({ type: "interactive_list", data: { sections: [{ rows: rows(5) }, { rows: rows(5) }] } });
    const over = limitIssues({ type: "interactive_list", data: { sections: [{ rows: rows(6) }, { rows: rows(5) }] } });
    expect(ok).toEqual([]);
    expect(over).toEqual([{ field: "sections", message: "11 rows; a list holds at most 10" }]);
  });

  it("flags texts over 4096 characters, nested ones too", () => {
    const long = "a".repeat(MAX_TEXT + 1);
    expect(limitIssues({ type: "message", data: { content: long } })[0].field).toBe("content");
    expect(limitIssues({ type: "question", data: { content: "", validation: { errorMessage: long } } })[0].field).toBe("validation.errorMessage");
    expect(limitIssues({ type: "message", data: { content: "a".repeat(MAX_TEXT) } })).toEqual([]);
  });

  it("checks question options as button titles while there are at most 3", () => {
    const three = limitIssues({ type: "question", data: { options: [{ value: "a", label: "x".repeat(25) }] } });
    const many = limitIssues({ type: "question", data: { options: Array.from({ length: 5 }, () => ({ value: "a", label: "x".repeat(25) })) } });
    expect(three.map((i) => i.field)).toEqual(["options[0].label"]);
    expect(many).toEqual([]);
  });

  it("counts characters", () => {
    expect(counter("hello", 20)).toEqual({ text: "5 / 20", over: false });
    expect(counter("x".repeat(21), 20).over).toBe(true);
  });
});

describe("undo history", () => {
  it("undoes and redoes snapshots", () => {
    let h = H.start(1);
    h = H.record(h, 2);
    h = H.record(h, 3);
    h = H.undo(h);
    expect(h.present).toBe(2);
    h = H.undo(h);
    expect(h.present).toBe(1);
    expect(H.canUndo(h)).toBe(false);
    h = H.redo(h);
    expect(h.present).toBe(2);
    expect(H.canRedo(h)).toBe(true);
  });

  it("merges edits of one group into one step, and a new edit drops the redo branch", () => {
    let h = H.start("");
    h = H.record(h, "h", "content");
    h = H.record(h, "he", "content");
    h = H.record(h, "hey", "content");
    expect(H.undo(h).present).toBe("");
    h = H.undo(h);
    h = H.record(h, "x");
    expect(H.canRedo(h)).toBe(false);
  });

  it("keeps at most HISTORY_LIMIT steps and ignores a no-op", () => {
    let h = H.start(0);
    for (let i = 1; i <= H.HISTORY_LIMIT + 10; i++) h = H.record(h, i);
    expect(h.past.length).toBe(H.HISTORY_LIMIT);
    expect(H.record(h, h.present)).toBe(h);
  });
});

describe("handles and edges", () => {
  it("gives each node the handles it routes by", () => {
    const keys = (type: string, data: Record<string, unknown> = {}) => sourceHandles({ type, data }).map((h) => h.key);
    expect(keys("condition")).toEqual(["true", "false"]);
    expect(keys("api_call")).toEqual(["success", "error"]);
    expect(keys("question")).toEqual([DEFAULT_HANDLE, "invalid", "timeout"]);
    expect(keys("interactive_buttons", { buttons: [{ id: "y", title: "Yes" }, { id: "n", title: "No" }] })).toEqual(["y", "n", DEFAULT_HANDLE]);
    expect(keys("interactive_list", { sections: [{ rows: [{ id: "r1" }] }, { rows: [{ id: "r2" }] }] })).toEqual(["r1", "r2", DEFAULT_HANDLE]);
    expect(keys("random", { paths: [{ id: "a" }, { id: "b" }] })).toEqual(["a", "b"]);
    expect(keys("message")).toEqual([DEFAULT_HANDLE]);
    expect(keys("end")).toEqual([]);
  });

  it("attaches edges stored with a label (any case, either language) to the right handle", () => {
    const cond = sourceHandles({ type: "condition", data: {} });
    expect(handleOf({ source: "c", target: "x", label: "TRUE" }, cond)).toEqual({ key: "true", matched: true });
    expect(handleOf({ source: "c", target: "x", label: "não" }, cond)).toEqual({ key: "false", matched: true });
    expect(handleOf({ source: "c", target: "x", sourceHandle: "false" }, cond).key).toBe("false");
    const q = sourceHandles({ type: "question", data: {} });
    expect(handleOf({ source: "q", target: "x", label: "Timeout" }, q).key).toBe("timeout");
    expect(handleOf({ source: "q", target: "x", label: null, sourceHandle: null }, q)).toEqual({ key: DEFAULT_HANDLE, matched: true });
    const b = sourceHandles({ type: "interactive_buttons", data: { buttons: [{ id: "y", title: "Yes" }] } });
    expect(handleOf({ source: "b", target: "x", sourceHandle: "gone" }, b)).toEqual({ key: DEFAULT_HANDLE, matched: false });
  });

  it("connects a handle, replacing its edge and storing sourceHandle and label", () => {
    let d = doc([
      { id: "c", type: "condition", data: {} },
      { id: "a", type: "message", data: {} },
      { id: "b", type: "message", data: {} },
    ], [{ id: "old", source: "c", target: "a", label: "yes" }]);
    d = connect(d, "c", "true", "b");
    expect(d.canvas_data.edges).toEqual([{ id: "e-c-true-b", source: "c", target: "b", sourceHandle: "true", label: "true" }]);
    d = connect(d, "c", "false", "a");
    expect(edgesFrom(d, "c", "false").map((e) => e.target)).toEqual(["a"]);
    d = connect(d, "c", "true", null);
    expect(d.canvas_data.edges.map((e) => e.sourceHandle)).toEqual(["false"]);
  });

  it("stores a button's edge by id only, and the default edge with neither", () => {
    let d = doc([
      { id: "b", type: "interactive_buttons", data: { buttons: [{ id: "y", title: "Yes" }] } },
      { id: "m", type: "message", data: {} },
    ]);
    d = connect(d, "b", "y", "m");
    d = connect(d, "b", DEFAULT_HANDLE, "m");
    expect(d.canvas_data.edges.map((e) => [e.sourceHandle, e.label])).toEqual([["y", null], [null, null]]);
  });
});

describe("layout", () => {
  it("places every node when some have no position, ranks following edges", () => {
    const d = doc(
      [{ id: "s", type: "start", data: {} }, { id: "m", type: "message", data: {} }, { id: "e", type: "end", data: {} }],
      [{ source: "s", target: "m" }, { source: "m", target: "e" }],
    );
    expect(needsLayout(d)).toBe(true);
    const out = layout(d);
    expect(needsLayout(out)).toBe(false);
    const y = out.canvas_data.nodes.map((n) => n.position!.y);
    expect(y[0]).toBeLessThan(y[1]);
    expect(y[1]).toBeLessThan(y[2]);
  });
});

describe("overlap detection", () => {
  const question = { type: "question", data: { content: "What is your name?", variableName: "name", responseType: "text" } };
  const stacked = (step: number) =>
    doc([
      { id: "s", type: "start", position: { x: 0, y: 0 }, data: {} },
      { id: "q", ...question, position: { x: 0, y: step } },
      { id: "e", type: "end", position: { x: 0, y: step * 2 }, data: {} },
    ]);

  it("estimates a node's height from what it draws: a question with its three branches is ~150px", () => {
    const q = estimateSize(question);
    expect(q.width).toBe(240);
    expect(q.height).toBeGreaterThanOrEqual(140);
    expect(q.height).toBeLessThan(200);
    expect(estimateSize({ type: "start", data: {} }).height).toBeLessThan(q.height);
    expect(estimateSize(question, true).height).toBeGreaterThan(q.height);
  });

  it("finds nodes closer than their height, and only those", () => {
    expect(overlaps(stacked(120))).toBe(true); // y = 0, 120, 240: the question runs into the end node
    expect(overlaps(stacked(260))).toBe(false);
    // Side by side is no overlap; touching edges neither.
    const side = doc([
      { id: "a", type: "message", position: { x: 0, y: 0 }, data: {} },
      { id: "b", type: "message", position: { x: 240, y: 0 }, data: {} },
    ]);
    expect(overlaps(side)).toBe(false);
    expect(overlaps(side, { a: { width: 250, height: 80 }, b: { width: 240, height: 80 } })).toBe(true);
  });

  it("uses measured sizes over the estimate", () => {
    const d = stacked(120);
    expect(overlaps(d, nodeSizes(d, { s: { width: 240, height: 60 }, q: { width: 240, height: 100 }, e: { width: 240, height: 60 } }))).toBe(false);
    expect(overlaps(d, nodeSizes(d, { s: { width: 240, height: 60 }, q: { width: 240, height: 150 }, e: { width: 240, height: 60 } }))).toBe(true);
  });

  it("lays out for display when positions are missing or overlap, and the layout no longer overlaps", () => {
    expect(needsDisplayLayout(stacked(120))).toBe(true);
    expect(needsDisplayLayout(stacked(260))).toBe(false);
    expect(needsDisplayLayout(doc([{ id: "s", type: "start", data: {} }]))).toBe(true);
    const d = { ...stacked(120), canvas_data: { ...stacked(120).canvas_data, edges: [{ source: "s", target: "q" }, { source: "q", target: "e" }] } };
    const sizes = nodeSizes(d);
    expect(overlaps(layout(d, sizes), sizes)).toBe(false);
  });
});

describe("document edits", () => {
  it("adds nodes with fresh ids and removes a node with its edges", () => {
    const a = addNode(emptyDocument(), "message", { x: 0, y: 100 });
    const b = addNode(a.document, "message", { x: 0, y: 200 });
    expect([a.id, b.id]).toEqual(["message-1", "message-2"]);
    const linked = connect(b.document, "start", DEFAULT_HANDLE, "message-1");
    const out = removeNodes(linked, ["message-1"]);
    expect(out.canvas_data.edges).toEqual([]);
    expect(out.canvas_data.nodes.map((n) => n.id)).toEqual(["start", "message-2"]);
  });
});

import { describe as describeMessage, preview, reconcile } from "./messages";
import type { Pending } from "./messages";
import { message } from "./test/fixtures";

test("media from the contact is a labelled placeholder with its caption", () => {
  expect(describeMessage(message({ kind: "image", text: null }))).toMatchObject({
    type: "media",
    media: "image",
    label: "Photo",
    caption: null,
  });
  expect(
    describeMessage(message({ kind: "document", text: null, body: { document: { caption: "invoice", filename: "a.pdf" } } })),
  ).toMatchObject({ media: "document", caption: "invoice", filename: "a.pdf" });
  expect(describeMessage(message({ kind: "audio", body: { audio: { voice: true } }, text: null }))).toMatchObject({
    label: "Voice message",
  });
  for (const kind of ["video", "sticker"]) {
    expect(describeMessage(message({ kind, text: null }))).toMatchObject({ type: "media", media: kind });
  }
});

test("a location shows its name or coordinates", () => {
  expect(describeMessage(message({ kind: "location", text: null }))).toMatchObject({ type: "location" });
  expect(
    describeMessage(
      message({ kind: "location", text: null, body: { location: { latitude: -23.5, longitude: -46.6, name: "Shop" } } }),
    ),
  ).toMatchObject({ detail: "Shop" });
  expect(
    describeMessage(message({ kind: "location", text: null, body: { location: { latitude: -23.5, longitude: -46.6 } } })),
  ).toMatchObject({ detail: "-23.50000, -46.60000" });
});

test("interactive replies show their title", () => {
  expect(describeMessage(message({ kind: "interactive", text: "Large", body: { reply_id: "l" } }))).toEqual({
    type: "reply",
    text: "Large",
    label: "Tapped a button",
  });
  expect(
    describeMessage(
      message({ kind: "interactive", text: null, body: { interactive: { type: "list_reply", list_reply: { id: "x", title: "Pepperoni" } } } }),
    ),
  ).toMatchObject({ text: "Pepperoni", label: "Chose from the list" });
  expect(describeMessage(message({ kind: "button", text: "Yes" }))).toMatchObject({ type: "reply", text: "Yes" });
});

test("outbound buttons, lists, templates and media", () => {
  const out = (body: Record<string, unknown>) =>
    describeMessage(message({ direction: "out", author: "bot", kind: String(body.kind), body, text: null }));
  expect(out({ kind: "buttons", text: "Size?", buttons: [{ id: "s", title: "Small" }, { id: "l", title: "Large" }] })).toEqual({
    type: "choices",
    text: "Size?",
    options: ["Small", "Large"],
    label: "Buttons",
  });
  expect(out({ kind: "list", text: "Pick", button_text: "Menu", sections: [{ rows: [{ id: "a", title: "A" }] }] })).toMatchObject({
    options: ["A"],
    label: "Menu",
  });
  expect(
    out({
      kind: "template",
      template_name: "order_update",
      language_code: "pt_BR",
      components: [{ type: "body", parameters: [{ type: "text", text: "Lin" }] }],
    }),
  ).toEqual({ type: "template", name: "order_update", language: "pt_BR", parameters: ["Lin"] });
  expect(out({ kind: "media", media_type: "image", caption: "menu" })).toMatchObject({ media: "image", caption: "menu" });
});

test("nothing unknown turns into raw JSON", () => {
  const d = describeMessage(message({ kind: "contacts", text: null, body: { contacts: [{ name: { formatted_name: "X" } }] } }));
  expect(d).toEqual({ type: "notice", text: "Shared a contact card" });
  expect(preview(message({ kind: "weird", text: null, body: { a: 1 } }))).not.toContain("{");
});

test("a pending message disappears once the history shows the agent's message", () => {
  const sentAt = Date.parse("2026-03-02T10:00:00Z");
  const p = (id: string, text: string): Pending => ({
    id,
    conversationKey: "k",
    text,
    template: false,
    sentAt,
    state: "sending",
  });
  const agent = (id: string, text: string) =>
    message({ id, direction: "out", author: "agent", text, at: "2026-03-02T10:00:01Z", status: "queued" });
  const pending = [p("1", "hi"), p("2", "hi"), p("3", "bye")];
  expect(reconcile(pending, [agent("m1", "hi")]).map((x) => x.id)).toEqual(["2", "3"]);
  expect(reconcile(pending, [agent("m1", "hi"), agent("m2", "hi"), agent("m3", "bye")])).toEqual([]);
  // A bot message with the same words is not the agent's.
  expect(reconcile([p("1", "hi")], [message({ direction: "out", author: "bot", text: "hi" })])).toHaveLength(1);
  // A failed one stays until dismissed.
  expect(reconcile([{ ...p("1", "hi"), state: "failed" }], [agent("m1", "hi")])).toHaveLength(1);
});

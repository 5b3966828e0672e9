import { fileType, markers, order, place } from "./content";
import { describe as describeMessage, preview, reconcile } from "./messages";
import type { Pending } from "./messages";
import { message } from "./test/fixtures";

test("media from the contact: its kind in words, the caption, the file's name and type", () => {
  expect(describeMessage(message({ kind: "image", text: null }))).toMatchObject({
    type: "media",
    media: "image",
    label: "Photo",
    caption: null,
  });
  const pdf = { kind: "document", caption: "invoice", filename: "a.pdf", mime_type: "application/pdf" };
  expect(describeMessage(message({ kind: "document", text: null, body: { media: pdf } }))).toMatchObject({
    media: "document",
    caption: "invoice",
    filename: "a.pdf",
    fileType: "PDF document",
  });
  const voice = { kind: "audio", voice: true, mime_type: "audio/ogg; codecs=opus" };
  expect(describeMessage(message({ kind: "audio", body: { media: voice }, text: null }))).toMatchObject({
    label: "Voice message",
    fileType: "Ogg audio",
  });
  for (const kind of ["video", "sticker"]) {
    expect(describeMessage(message({ kind, text: null }))).toMatchObject({ type: "media", media: kind });
  }
});

test("a file type comes from the MIME type, else the file name", () => {
  expect(fileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", null)).toBe("Excel spreadsheet");
  expect(fileType("image/jpeg", null)).toBe("JPEG image");
  expect(fileType("application/octet-stream", "plan.dwg")).toBe("DWG file");
  expect(fileType("application/octet-stream", null)).toBeNull();
  expect(fileType(null, null)).toBeNull();
});

test("a location: name, address, coordinates to five decimals and a map link", () => {
  expect(describeMessage(message({ kind: "location", text: null }))).toMatchObject({
    type: "location",
    name: null,
    coordinates: null,
    mapUrl: null,
  });
  const shop = { latitude: -23.561354, longitude: -46.6561849, name: "Shop", address: "Av. Paulista, 1000" };
  expect(describeMessage(message({ kind: "location", text: null, body: { location: shop } }))).toEqual({
    type: "location",
    name: "Shop",
    address: "Av. Paulista, 1000",
    coordinates: "-23.56135, -46.65618",
    mapUrl: "https://www.openstreetmap.org/?mlat=-23.56135&mlon=-46.65618#map=17/-23.56135/-46.65618",
  });
  // Out of range is not a place on the map.
  expect(place({ latitude: 123, longitude: 4 })).toMatchObject({ coordinates: null, mapUrl: null });
});

test("interactive replies show their title; a list row its description too", () => {
  expect(describeMessage(message({ kind: "interactive", text: "Large", body: { reply_id: "l" } }))).toEqual({
    type: "reply",
    text: "Large",
    label: "Tapped a button",
    detail: null,
  });
  const row = { type: "list_reply", id: "x", title: "Pepperoni", description: "Spicy" };
  expect(describeMessage(message({ kind: "interactive", text: "Pepperoni", body: { interactive: row } }))).toMatchObject({
    text: "Pepperoni",
    label: "Chose from the list",
    detail: "Spicy",
  });
  expect(describeMessage(message({ kind: "button", text: "Yes", body: { button: { payload: "y", text: "Yes" } } }))).toMatchObject({
    type: "reply",
    text: "Yes",
  });
});

test("a flow's form reads as its answers, without the flow token", () => {
  const form = {
    type: "nfm_reply",
    name: "flow",
    body: "Sent",
    response_json: { flow_token: "t-1", delivery_date: "2026-03-04", extra_cheese: true, sizes: ["L", "M"], nested: { a: 1 } },
  };
  expect(describeMessage(message({ kind: "interactive", text: "Sent", body: { interactive: form } }))).toEqual({
    type: "form",
    label: "Sent a form",
    answers: [
      { label: "Delivery date", value: "2026-03-04" },
      { label: "Extra cheese", value: "Yes" },
      { label: "Sizes", value: "L, M" },
    ],
  });
});

test("contact cards, reactions and orders", () => {
  const card = {
    name: { first_name: "Rachel", last_name: "Green" },
    phones: [{ phone: "+1 777-777-7777", wa_id: "17777777777", type: "WORK" }],
    emails: [{ email: "rachel@example.com" }],
  };
  expect(describeMessage(message({ kind: "contacts", text: null, body: { contacts: [card] } }))).toEqual({
    type: "contacts",
    cards: [{ name: "Rachel Green", phones: [{ number: "+1 777-777-7777", label: "Work" }], emails: ["rachel@example.com"] }],
  });
  const liked = { message_id: "wamid.A", emoji: "👍", removed: false };
  expect(preview(message({ kind: "reaction", text: null, body: { reaction: liked } }))).toBe("Reacted 👍 to a message");
  const gone = { message_id: "wamid.A", emoji: null, removed: true };
  expect(preview(message({ kind: "reaction", text: null, body: { reaction: gone } }))).toBe("Removed a reaction");
  const items = [
    { product_retailer_id: "pizza-l", quantity: 2, item_price: 10, currency: "USD" },
    { product_retailer_id: "soda", quantity: 1, item_price: 2.5, currency: "USD" },
  ];
  expect(describeMessage(message({ kind: "order", text: "for tonight", body: { order: { product_items: items } } }))).toMatchObject({
    type: "order",
    text: "for tonight",
    // The console's locale writes the amounts: 10.00 or 10,00.
    lines: [
      { item: "pizza-l", quantity: 2, price: expect.stringMatching(/10[.,]00/) },
      { item: "soda", quantity: 1, price: expect.stringMatching(/2[.,]50/) },
    ],
    total: expect.stringMatching(/22[.,]50/),
  });
  // Mixed currencies have no one total.
  expect(order({ product_items: [items[0], { ...items[1], currency: "BRL" }] }).total).toBeNull();
});

test("context marks a reply and a forward; a tapped button is no extra reply", () => {
  expect(markers("text", { context: { id: "wamid.0", from: "551100" } })).toEqual({
    replyTo: "wamid.0",
    forwarded: null,
    aboutProduct: false,
  });
  expect(markers("video", { context: { id: null, forwarded: true } })).toMatchObject({ replyTo: null, forwarded: "Forwarded" });
  expect(markers("text", { context: { frequently_forwarded: true, forwarded: true } }).forwarded).toBe("Forwarded many times");
  expect(markers("interactive", { context: { id: "wamid.0" } }).replyTo).toBeNull();
  expect(markers("text", {})).toEqual({ replyTo: null, forwarded: null, aboutProduct: false });
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
  const d = describeMessage(message({ kind: "contacts", text: null, body: { contacts: "odd" } }));
  expect(d).toEqual({ type: "notice", text: "Shared a contact card" });
  expect(preview(message({ kind: "weird", text: null, body: { a: 1 } }))).not.toContain("{");
  expect(preview(message({ kind: "unsupported", text: null }))).not.toContain("{");
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

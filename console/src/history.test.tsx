import { render, screen, within } from "@testing-library/react";
import type { HistoryMessage } from "./api/types";
import { History } from "./components/History";
import { message } from "./test/fixtures";

function show(...messages: HistoryMessage[]) {
  const result = render(
    <History messages={messages} pending={[]} contactName="Lin Tester" truncated={false} onRetry={() => {}} onDismiss={() => {}} />,
  );
  const log = screen.getByRole("log", { name: "Message history" });
  // Whatever a message holds, none of it reaches the screen as JSON.
  expect(log.textContent).not.toMatch(/[{}[\]]|":|null|undefined|NaN/);
  return { ...result, log };
}

const inbound = (id: string, kind: string, body: Record<string, unknown>, text: string | null = null) =>
  message({ id, kind, text, body, message_id: `wamid.${id}` });

test.each([
  ["image", { kind: "image", mime_type: "image/jpeg" }, "Photo", "JPEG image"],
  ["video", { kind: "video", mime_type: "video/mp4" }, "Video", "MP4 video"],
  ["audio", { kind: "audio", mime_type: "audio/ogg; codecs=opus", voice: true }, "Voice message", "Ogg audio"],
  ["audio", { kind: "audio", mime_type: "audio/mpeg", voice: false }, "Audio", "MP3 audio"],
  ["sticker", { kind: "sticker", mime_type: "image/webp", animated: true }, "Sticker", "Animated · WebP image"],
])("a contact's %s is a card with its kind in words (%s)", (kind, media, label, note) => {
  const { log } = show(inbound("m1", kind, { media }));
  const card = log.querySelector(".media-card") as HTMLElement;
  expect(within(card).getByText(label)).toBeInTheDocument();
  expect(within(card).getByText(note)).toBeInTheDocument();
  // The file itself is not there yet: the card says so in its tooltip.
  expect(card.title).toMatch(/cannot be shown here yet/);
});

test("a document shows its file name and type, and its caption as the message text", () => {
  const media = { kind: "document", mime_type: "application/pdf", filename: "invoice-4410.pdf", caption: "My invoice", sha256: "x", id: "1" };
  const { log } = show(inbound("m1", "document", { media, context: { id: null, forwarded: true } }));
  const card = log.querySelector(".media-card") as HTMLElement;
  expect(within(card).getByText("invoice-4410.pdf")).toBeInTheDocument();
  expect(within(card).getByText("PDF document")).toBeInTheDocument();
  expect(within(log).getByText("My invoice")).toHaveClass("bubble-text");
  expect(within(log).getByText("Forwarded")).toBeInTheDocument();
});

test("a location has its name, address, coordinates and a map link in a new tab", () => {
  const location = { latitude: -23.5613541, longitude: -46.656184, name: "Pizzaria Augusta", address: "Rua Augusta, 1200", url: null };
  const { log } = show(inbound("m1", "location", { location }));
  expect(within(log).getByText("Pizzaria Augusta")).toBeInTheDocument();
  expect(within(log).getByText("Rua Augusta, 1200")).toBeInTheDocument();
  expect(within(log).getByText("-23.56135, -46.65618")).toBeInTheDocument();
  const link = within(log).getByRole("link", { name: "Open map" });
  expect(link).toHaveAttribute("href", "https://www.openstreetmap.org/?mlat=-23.56135&mlon=-46.65618#map=17/-23.56135/-46.65618");
  expect(link).toHaveAttribute("target", "_blank");
  expect(link).toHaveAttribute("rel", "noopener noreferrer");
});

test("a location with no name is a location; with no coordinates it has no map link", () => {
  const { log } = show(inbound("m1", "location", { location: { name: null, address: "Somewhere" } }));
  expect(within(log).getByText("Location")).toBeInTheDocument();
  expect(within(log).queryByRole("link")).toBeNull();
});

test("shared contacts show each name with its phone numbers", () => {
  const contacts = [
    { name: { formatted_name: "Chandler Bing", first_name: "Chandler" }, phones: [{ phone: "+1 555-555-5555", wa_id: "15555555555", type: "CELL" }] },
    { name: { first_name: "Monica" }, phones: [{ phone: "+1 666-666-6666", type: "HOME" }, { phone: "+1 777-777-7777", type: "WORK" }] },
  ];
  const { log } = show(inbound("m1", "contacts", { contacts }));
  expect(within(log).getByText("Shared 2 contacts")).toBeInTheDocument();
  const list = within(log).getByRole("list", { name: "Shared contacts" });
  const [chandler, monica] = within(list).getAllByRole("listitem");
  expect(chandler).toHaveTextContent("Chandler Bing");
  expect(chandler).toHaveTextContent("+1 555-555-5555 · Mobile");
  expect(monica).toHaveTextContent("Monica");
  expect(monica).toHaveTextContent("+1 666-666-6666 · Home");
  expect(monica).toHaveTextContent("+1 777-777-7777 · Work");
});

test("a reaction says what it did, and to which message when the history has it", () => {
  const earlier = message({ id: "m0", direction: "out", author: "agent", text: "Your pizza is on its way", body: { kind: "text", text: "Your pizza is on its way" }, status: "read", message_id: "wamid.OUT" });
  const liked = inbound("m1", "reaction", { reaction: { message_id: "wamid.OUT", emoji: "👍", removed: false } });
  const taken = inbound("m2", "reaction", { reaction: { message_id: "wamid.gone", emoji: null, removed: true } });
  const { log } = show(earlier, liked, taken);
  const [, first, second] = within(log).getAllByRole("listitem").filter((li) => li.classList.contains("msg"));
  expect(first.querySelector(".reaction")).toHaveTextContent("Reacted 👍 to a message");
  expect(first.querySelector(".quote")).toHaveTextContent("Your pizza is on its way");
  expect(second).toHaveTextContent("Removed a reaction");
  expect(second.querySelector(".quote")).toBeNull();
});

test("an order lists its items with quantity and price, and a total", () => {
  const order = {
    catalog_id: "cat-1",
    text: "Delivery before 8 please",
    product_items: [
      { product_retailer_id: "margherita-l", quantity: 2, item_price: 45.9, currency: "BRL" },
      { product_retailer_id: "guarana-2l", quantity: 1, item_price: 12, currency: "BRL" },
    ],
  };
  const { log } = show(inbound("m1", "order", { order }, "Delivery before 8 please"));
  const items = within(within(log).getByRole("list", { name: "Items ordered" })).getAllByRole("listitem");
  expect(items[0]).toHaveTextContent(/2 ×\s*margherita-l.*45[.,]90 each/);
  expect(items[1]).toHaveTextContent(/1 ×\s*guarana-2l.*12[.,]00/);
  expect(log.querySelector(".order-total")).toHaveTextContent(/Total.*103[.,]80/);
  expect(within(log).getByText("Delivery before 8 please")).toBeInTheDocument();
});

test("a reply to an earlier message is marked and quotes it; a forward says so", () => {
  const asked = message({ id: "m0", direction: "out", author: "bot", text: "What is your order number?", body: { kind: "text", text: "What is your order number?" }, status: "read", message_id: "wamid.Q" });
  const reply = inbound("m1", "text", { context: { id: "wamid.Q", from: "15550100" } }, "It is 4410");
  const lost = inbound("m2", "text", { context: { id: "wamid.older" } }, "And this one?");
  const fwd = inbound("m3", "text", { context: { frequently_forwarded: true, forwarded: true } }, "Chain letter");
  const tapped = inbound("m4", "interactive", { interactive: { type: "button_reply", id: "y", title: "Yes" }, context: { id: "wamid.Q" }, reply_id: "y" }, "Yes");
  const { log } = show(asked, reply, lost, fwd, tapped);
  const bubbles = within(log).getAllByRole("listitem").filter((li) => li.classList.contains("msg"));
  expect(within(bubbles[1]).getByText("Reply")).toBeInTheDocument();
  expect(bubbles[1].querySelector(".quote")).toHaveTextContent("What is your order number?");
  expect(within(bubbles[2]).getByText("Reply").closest(".mark")).toHaveAttribute("title", "A reply to an earlier message");
  expect(within(bubbles[3]).getByText("Forwarded many times")).toBeInTheDocument();
  expect(within(bubbles[3]).queryByText("Reply")).toBeNull();
  // A tapped button says "Tapped a button": no second "Reply" mark.
  expect(within(bubbles[4]).getByText("Tapped a button")).toBeInTheDocument();
  expect(within(bubbles[4]).queryByText("Reply")).toBeNull();
});

const failed = (over: Partial<HistoryMessage>) =>
  message({ id: "m1", direction: "out", author: "agent", text: "Hi", body: { kind: "text", text: "Hi" }, status: "failed", ...over });

test("a failure with a known code gives the console's sentence and Meta's words", () => {
  const reason = "Message failed to send because more than 24 hours have passed since the customer last replied to this number.";
  const { log } = show(failed({ error_code: 131047, error_reason: reason }));
  const note = within(log).getByRole("note");
  expect(note).toHaveTextContent(/Not delivered: error 131047, more than 24 hours since the contact last wrote; send a template\./);
  expect(note.querySelector(".msg-reason")).toHaveTextContent(`WhatsApp says: ${reason}`);
  expect(within(log).getByRole("img", { name: "Failed (131047)" })).toHaveAttribute("title", `Failed (131047). WhatsApp says: ${reason}`);
});

test("a failure with an unknown code gives Meta's words instead of a generic text", () => {
  const { log } = show(failed({ error_code: 135000, error_reason: "Generic user error" }));
  const note = within(log).getByRole("note");
  expect(note).toHaveTextContent("Not delivered (135000): Generic user error.");
  expect(note.querySelector(".msg-reason")).toBeNull();
});

test("a failure without Meta's words keeps the code", () => {
  const { log } = show(failed({ error_code: 135000, error_reason: null }));
  expect(within(log).getByRole("note")).toHaveTextContent("Not delivered: error 135000.");
});

import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ConversationDetail, HistoryMessage, MediaRef } from "./api/types";
import { ConversationView } from "./components/Conversation";
import { History } from "./components/History";
import { fileSize } from "./content";
import { detail, message, user } from "./test/fixtures";
import { renderWith } from "./test/render";

const PHONE = "5511900000001";
const link = (n: number) => `http://api.test/media/m-id/content?expires=${1000 + n}&sig=${"a".repeat(64)}`;

function ref(over: Partial<MediaRef> = {}): MediaRef {
  return {
    id: "m-id",
    status: "stored",
    kind: "image",
    mime_type: "image/jpeg",
    size: 48_213,
    caption: null,
    filename: null,
    reason: null,
    url: link(0),
    url_expires_at: "2026-03-02T10:05:00Z",
    ...over,
  };
}

const withMedia = (kind: string, media: MediaRef, body: Record<string, unknown> = {}): HistoryMessage =>
  message({ id: "m1", kind, text: null, message_id: "wamid.m1", body: { media: { kind, id: "meta-1", ...body } }, media });

function show(...messages: HistoryMessage[]) {
  render(<History messages={messages} pending={[]} contactName="Lin Tester" truncated={false} onRetry={() => {}} onDismiss={() => {}} />);
  return screen.getByRole("log", { name: "Message history" });
}

test("a stored photo is a thumbnail from its link that opens full size in a new tab", () => {
  const log = show(withMedia("image", ref({ caption: "The receipt" }), { caption: "The receipt" }));
  const img = within(log).getByRole("img", { name: "Photo: The receipt" });
  expect(img).toHaveAttribute("src", link(0));
  const open = img.closest("a") as HTMLAnchorElement;
  expect(open).toHaveAttribute("href", link(0));
  expect(open).toHaveAttribute("target", "_blank");
  expect(open).toHaveAttribute("rel", "noopener noreferrer");
  expect(within(log).getByText("The receipt", { selector: "p" })).toHaveClass("bubble-text");
});

test("audio and video get native players, labelled by their kind", () => {
  const log = show(
    withMedia("audio", ref({ kind: "audio", mime_type: "audio/ogg" }), { voice: true }),
    { ...withMedia("video", ref({ kind: "video", mime_type: "video/mp4", url: link(1) })), id: "m2" },
  );
  const audio = log.querySelector("audio") as HTMLAudioElement;
  expect(audio).toHaveAttribute("src", link(0));
  expect(audio).toHaveAttribute("controls");
  expect(audio).toHaveAttribute("aria-label", "Voice message");
  const video = log.querySelector("video") as HTMLVideoElement;
  expect(video).toHaveAttribute("src", link(1));
  expect(video).toHaveAttribute("controls");
});

test("a document is a download link with its file name, type and size", () => {
  const media = ref({ kind: "document", mime_type: "application/pdf", filename: "invoice-4410.pdf", size: 1_258_291 });
  const log = show(withMedia("document", media, { filename: "invoice-4410.pdf", mime_type: "application/pdf" }));
  const download = within(log).getByRole("link", { name: /^Download invoice-4410\.pdf/ });
  expect(download).toHaveAttribute("href", link(0));
  expect(download).toHaveAttribute("download", "invoice-4410.pdf");
  expect(within(log).getByText("invoice-4410.pdf", { selector: ".media-label" })).toBeInTheDocument();
  expect(within(log).getByText("PDF document · 1.2 MB")).toBeInTheDocument();
});

test("pending media says it is being fetched; failed media says why; neither has a link", () => {
  const log = show(
    withMedia("image", ref({ status: "pending", url: null, url_expires_at: null, size: null })),
    { ...withMedia("document", ref({ status: "failed", url: null, kind: "document", filename: "big.zip", reason: "larger than the 100 MB limit" }), { filename: "big.zip" }), id: "m2" },
  );
  expect(within(log).getByRole("status")).toHaveTextContent("Fetching…");
  expect(within(log).getByText("Could not be fetched: larger than the 100 MB limit")).toBeInTheDocument();
  expect(within(log).getByText("big.zip")).toBeInTheDocument();
  expect(within(log).queryByRole("link")).toBeNull();
  expect(within(log).queryByRole("img", { name: /Photo/ })).toBeNull();
});

test("an expired link: the photo's failure refetches the conversation once for a fresh link", async () => {
  let served = 0;
  const current = (): ConversationDetail => {
    const d = detail();
    d.messages = [withMedia("image", ref({ url: link(served) }))];
    served += 1;
    return d;
  };
  const { fetch } = renderWith(<ConversationView number="100000000000001" phone={PHONE} backTo="/" />, {
    user: user("agent"),
    routes: {
      [`/conversations/${PHONE}`]: current,
      "/whatsapp/": { numbers: [], total: 0, page: 1, per_page: 100 },
    },
  });
  const gets = () => fetch.calls.filter((c) => c === `GET /conversations/${PHONE}`).length;
  const img = await screen.findByRole("img", { name: "Photo" });
  expect(img).toHaveAttribute("src", link(0));
  expect(gets()).toBe(1);

  fireEvent.error(img);
  await waitFor(() => expect(screen.getByRole("img", { name: "Photo" })).toHaveAttribute("src", link(1)));
  expect(gets()).toBe(2);

  // The fresh link fails too: no loop of refetches, the bubble says so.
  fireEvent.error(screen.getByRole("img", { name: "Photo" }));
  expect(await screen.findByText(/The photo could not be loaded/)).toBeInTheDocument();
  expect(gets()).toBe(2);
});

test("without the history's media the card stays a description (outbound, older APIs)", () => {
  const log = show(message({ id: "m1", kind: "image", text: null, body: { media: { kind: "image", mime_type: "image/jpeg" } } }));
  expect(log.querySelector(".media-card")).toHaveAttribute("title", expect.stringMatching(/cannot be shown here yet/));
  expect(within(log).queryByRole("img", { name: "Photo" })).toBeNull();
});

test("file sizes in words", () => {
  expect([fileSize(820), fileSize(48_213), fileSize(1_258_291), fileSize(52_428_800), fileSize(null)]).toEqual([
    "820 B",
    "47 KB",
    "1.2 MB",
    "50 MB",
    null,
  ]);
});

// What a contact's message carries besides its text (the history's `body`, as ingress read it
// from Meta's webhook), read into parts a bubble shows in words. Every reader here takes
// whatever it is given: a missing or odd field becomes null, never an error or raw JSON.

export const MEDIA_KINDS = ["image", "audio", "video", "document", "sticker"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export function str(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

export function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function num(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

export function isMedia(kind: string): kind is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(kind);
}

export interface MediaPart {
  media: MediaKind;
  /** "Photo", "Voice message", "Document", ... */
  label: string;
  caption: string | null;
  filename: string | null;
  /** A file type a person reads: "PDF document", "JPEG image". */
  fileType: string | null;
  animated: boolean;
}

const MEDIA_LABEL: Record<MediaKind, string> = {
  image: "Photo",
  audio: "Audio",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
};

const FILE_TYPES: Record<string, string> = {
  "application/pdf": "PDF document",
  "application/msword": "Word document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
  "application/vnd.ms-excel": "Excel spreadsheet",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
  "application/vnd.ms-powerpoint": "PowerPoint presentation",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
  "application/vnd.oasis.opendocument.text": "OpenDocument text",
  "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
  "application/zip": "ZIP archive",
  "application/x-zip-compressed": "ZIP archive",
  "application/json": "JSON file",
  "text/plain": "Text file",
  "text/csv": "CSV file",
  "audio/ogg": "Ogg audio",
  "audio/mpeg": "MP3 audio",
  "audio/mp4": "MP4 audio",
  "audio/aac": "AAC audio",
  "audio/amr": "AMR audio",
  "video/3gpp": "3GP video",
  "image/webp": "WebP image",
};

const TOP_TYPE: Record<string, string> = { image: "image", video: "video", audio: "audio", text: "text file" };

/** The file type of a MIME type ("application/pdf" → "PDF document"), else of the file name. */
export function fileType(mime: string | null, filename: string | null): string | null {
  const bare = mime?.split(";")[0].trim().toLowerCase() ?? "";
  if (FILE_TYPES[bare]) return FILE_TYPES[bare];
  const [top, sub = ""] = bare.split("/");
  const plain = /^[a-z0-9]{2,5}$/.test(sub) ? sub.toUpperCase() : null;
  if (TOP_TYPE[top] && plain) return `${plain} ${TOP_TYPE[top]}`;
  const ext = filename?.match(/\.([A-Za-z0-9]{1,5})$/)?.[1];
  if (ext) return `${ext.toUpperCase()} file`;
  return TOP_TYPE[top] ? `${TOP_TYPE[top][0].toUpperCase()}${TOP_TYPE[top].slice(1)}` : null;
}

export function mediaPart(kind: MediaKind, part: Record<string, unknown>, text: string | null): MediaPart {
  const voice = kind === "audio" && part.voice === true;
  const filename = str(part.filename);
  return {
    media: kind,
    label: voice ? "Voice message" : MEDIA_LABEL[kind],
    caption: str(part.caption) ?? text,
    filename,
    fileType: fileType(str(part.mime_type), filename),
    animated: part.animated === true,
  };
}

export interface Place {
  name: string | null;
  address: string | null;
  /** "-23.56135, -46.65618" (five decimals: about a metre). */
  coordinates: string | null;
  mapUrl: string | null;
}

export function place(part: Record<string, unknown>): Place {
  const lat = num(part.latitude);
  const lon = num(part.longitude);
  const valid = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  const la = valid ? lat.toFixed(5) : null;
  const lo = valid ? lon.toFixed(5) : null;
  return {
    name: str(part.name),
    address: str(part.address),
    coordinates: valid ? `${la}, ${lo}` : null,
    mapUrl: valid ? `https://www.openstreetmap.org/?mlat=${la}&mlon=${lo}#map=17/${la}/${lo}` : null,
  };
}

export interface Card {
  name: string;
  phones: { number: string; label: string | null }[];
  emails: string[];
}

const PHONE_LABEL: Record<string, string> = {
  CELL: "Mobile",
  MOBILE: "Mobile",
  HOME: "Home",
  WORK: "Work",
  MAIN: "Main",
  IPHONE: "iPhone",
};

function phoneLabelOf(type: string | null): string | null {
  if (!type) return null;
  return PHONE_LABEL[type.toUpperCase()] ?? `${type[0].toUpperCase()}${type.slice(1).toLowerCase()}`;
}

/** Meta's contact cards: a name, phone numbers and emails each. */
export function cards(value: unknown): Card[] {
  return list(value).map((card) => {
    const name = obj(card.name);
    const org = obj(card.org);
    const parts = [name.first_name, name.middle_name, name.last_name].map(str).filter(Boolean);
    return {
      name: str(name.formatted_name) ?? (parts.join(" ") || str(org.company) || "Unnamed contact"),
      phones: list(card.phones)
        .map((p) => ({ number: str(p.phone) ?? str(p.wa_id) ?? "", label: phoneLabelOf(str(p.type)) }))
        .filter((p) => p.number !== ""),
      emails: list(card.emails)
        .map((e) => str(e.email))
        .filter((e): e is string => e !== null),
    };
  });
}

export interface OrderLine {
  item: string;
  quantity: number;
  /** The unit price, formatted in its currency. */
  price: string | null;
}

export interface Order {
  lines: OrderLine[];
  total: string | null;
}

function money(amount: number, currency: string | null): string {
  if (currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
    } catch {
      return `${amount.toFixed(2)} ${currency}`;
    }
  }
  return amount.toFixed(2);
}

export function order(part: Record<string, unknown>): Order {
  const items = list(part.product_items);
  const currencies = new Set(items.map((p) => str(p.currency)));
  let sum = 0;
  let priced = items.length > 0 && currencies.size === 1;
  const lines = items.map((p) => {
    const quantity = num(p.quantity) ?? 1;
    const price = num(p.item_price);
    if (price === null) priced = false;
    else sum += price * quantity;
    return {
      item: str(p.product_retailer_id) ?? "An item",
      quantity,
      price: price === null ? null : money(price, str(p.currency)),
    };
  });
  return { lines, total: priced ? money(sum, str(items[0].currency)) : null };
}

/** A flow's form, answered: its answers as label and value (the flow's token left out). */
export function formAnswers(response: unknown): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(obj(response))) {
    if (key === "flow_token") continue;
    const shown = Array.isArray(value)
      ? value.filter((v) => ["string", "number"].includes(typeof v)).join(", ")
      : typeof value === "boolean"
        ? value
          ? "Yes"
          : "No"
        : typeof value === "string" || typeof value === "number"
          ? String(value)
          : "";
    if (shown === "") continue;
    const words = key.replace(/[_-]+/g, " ").trim();
    out.push({ label: `${words[0].toUpperCase()}${words.slice(1)}`, value: shown });
  }
  return out;
}

export interface Markers {
  /** The wamid of the earlier message this one replies to. */
  replyTo: string | null;
  forwarded: "Forwarded" | "Forwarded many times" | null;
  /** Written from a product's page in the business's catalog. */
  aboutProduct: boolean;
}

/** What Meta's `context` says about a message: a reply, forwarded, about a product. */
export function markers(kind: string, body: Record<string, unknown>): Markers {
  const context = obj(body.context);
  const forwarded =
    context.frequently_forwarded === true ? "Forwarded many times" : context.forwarded === true ? "Forwarded" : null;
  // A tapped button or list row is a reply to the bot's message too; its label says so already.
  const tapped = kind === "interactive" || kind === "button";
  return {
    replyTo: forwarded || tapped ? null : str(context.id),
    forwarded,
    aboutProduct: Object.keys(obj(context.referred_product)).length > 0,
  };
}

/** A file's size a person reads: "820 B", "12 KB", "3.4 MB". */
export function fileSize(bytes: number | null | undefined): string | null {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return null;
  if (bytes < 1024) return `${bytes} B`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`;
  const mb = kb / 1024;
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

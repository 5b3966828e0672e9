import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import type { WhatsAppNumber } from "../api/types";
import { ORG, user } from "../test/fixtures";
import { renderWith } from "../test/render";
import { template } from "../templates/fixtures";
import { BroadcastPage, POLL_MS } from "./BroadcastPage";
import { BroadcastsPage } from "./BroadcastsPage";
import { checkCsv, parseCsv } from "./csv";
import type { Broadcast, Recipient } from "./types";

const NUMBER: WhatsAppNumber = {
  id: "num-1",
  organization_id: ORG,
  phone_number_id: "100000000000001",
  phone_number: "+55 11 4000-0001",
  display_name: "Pizzaria",
  is_active: true,
  waba_id: "waba-1",
};

function broadcast(over: Partial<Broadcast> = {}): Broadcast {
  return {
    id: "bc-1",
    organization_id: ORG,
    number_id: NUMBER.id,
    phone_number_id: NUMBER.phone_number_id,
    waba_id: "waba-1",
    name: "May promo",
    template_name: "order_update",
    language: "en_US",
    status: "running",
    status_reason: null,
    total: 10,
    created_at: "2026-03-02T10:00:00Z",
    updated_at: "2026-03-02T10:00:00Z",
    finished_at: null,
    counts: { pending: 4, queued: 1, accepted: 3, sent: 1, delivered: 2, read: 1, failed: 1, skipped: 1, cancelled: 0, indefinite: 0 },
    repeated: 0,
    ...over,
  };
}

function recipient(position: number, over: Partial<Recipient> = {}): Recipient {
  return {
    position,
    wa_id: `55119000000${String(position).padStart(2, "0")}`,
    outcome: "delivered",
    outbound_id: `o-${position}`,
    skip_reason: null,
    wamid: null,
    error_code: null,
    error_reason: null,
    queued_at: "2026-03-02T10:00:01Z",
    accepted: "2026-03-02T10:00:02Z",
    delivered: "2026-03-02T10:00:03Z",
    read: null,
    ...over,
  };
}

const CSV = "phone,header,1,2,button.0\n+5511999990001,4410,Ada,4410,t/4410\n+5511999990002,4411,Lin,4411,t/4411\n";

test("a CSV is read as the API reads it: quotes, CRLF; its columns checked against the template", () => {
  expect(parseCsv('phone,1\r\n"+55 11",  "a, ""b"""\r\n\r\n')).toEqual([["phone", "1"], ["+55 11", '  a, "b"']]);
  const need = template().requirements;
  const good = checkCsv(CSV, need);
  expect(good.problems).toEqual([]);
  expect(good.fine).toContain("2 body parameters, as the template needs");
  const bad = checkCsv("to,1,name\n+5511999990001,Ada,x\n+5511999990002,,y\n", need);
  expect(bad.problems).toEqual([
    "The template's header takes a parameter: add a header column.",
    "Not parameters of the template: name (body columns are numbered 1, 2…).",
    "The template's body takes 2 parameters; the list has 1.",
    "The template's buttons take parameters: columns button.0.",
    "1 row has an empty value.",
  ]);
  expect(checkCsv("name,1\nx,y", { body: 1, total: 1 }).problems[0]).toMatch(/^No phone column/);
  expect(checkCsv("phone,first\n+5511999990001,Ada", { body_names: ["first"], body: 1, total: 1 }).problems).toEqual([]);
});

test("the list shows each broadcast's status and progress; a viewer cannot start one", async () => {
  renderWith(<BroadcastsPage />, {
    user: user("viewer"),
    routes: {
      "/broadcasts/": { broadcasts: [broadcast(), broadcast({ id: "bc-2", name: "April", status: "completed", counts: { accepted: 9, delivered: 8, failed: 1 } })], total: 2, page: 1, per_page: 20 },
    },
  });
  const main = screen.getByRole("main", { name: "Broadcasts" });
  const table = await within(main).findByRole("table", { name: "Broadcasts" });
  const rows = within(table).getAllByRole("row").slice(1);
  expect(within(rows[0]).getByRole("link", { name: "May promo" })).toHaveAttribute("href", "/broadcasts/bc-1");
  expect(within(rows[0]).getByText("Running")).toBeInTheDocument();
  expect(within(rows[0]).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "5");
  expect(within(rows[0]).getByText("5 / 10")).toBeInTheDocument();
  expect(within(rows[1]).getByText("Completed")).toBeInTheDocument();
  expect(within(rows[1]).getByText("10 / 10")).toBeInTheDocument();
  expect(within(main).queryByRole("button", { name: "New broadcast" })).toBeNull();
});

test("a writer creates a broadcast from an uploaded CSV: preview, parameter check, then its page", async () => {
  const posted: unknown[] = [];
  renderWith(
    <Routes>
      <Route path="/broadcasts" element={<BroadcastsPage />} />
      <Route path="/broadcasts/:broadcastId" element={<p>Opened broadcast</p>} />
    </Routes>,
    {
      user: user("org_admin"),
      path: "/broadcasts",
      routes: {
        "/broadcasts/": { broadcasts: [], total: 0, page: 1, per_page: 20 },
        "/whatsapp/": { numbers: [NUMBER], total: 1, page: 1, per_page: 100 },
        "/templates/": (_: RequestInit, url: URL) => {
          expect(url.searchParams.get("status")).toBe("APPROVED");
          return {
            templates: [template(), template({ language: "pt_BR" }), template({ name: "other_waba", waba_id: "waba-9" })],
            total: 3,
            page: 1,
            per_page: 100,
          };
        },
        "POST /broadcasts/": (init: RequestInit) => {
          posted.push(JSON.parse(String(init.body)));
          return new Response(JSON.stringify(broadcast({ id: "bc-new" })), { status: 201 });
        },
      },
    },
  );
  const main = screen.getByRole("main", { name: "Broadcasts" });
  expect(await within(main).findByText("No broadcast yet.")).toBeInTheDocument();
  const u = userEvent.setup();
  await u.click(within(main).getByRole("button", { name: "New broadcast" }));
  const create = within(main).getByRole("button", { name: "Create broadcast" });
  expect(create).toBeDisabled();

  await u.type(within(main).getByLabelText("Name"), "March promo");
  await waitFor(() => expect(within(main).getByRole("option", { name: "Pizzaria" })).toBeInTheDocument());
  await u.selectOptions(within(main).getByLabelText("Number"), "num-1");
  // Only the number's WABA's templates.
  const templates = within(main).getByLabelText("Template");
  expect(within(templates).queryByRole("option", { name: "other_waba" })).toBeNull();
  await u.selectOptions(templates, "order_update");
  await u.selectOptions(within(main).getByLabelText("Language"), "en_US");
  expect(within(main).getByText("Parameters: 4: header 1, body 2, button 1.")).toBeInTheDocument();

  // A list missing the button's column is refused before anything is sent.
  await u.type(within(main).getByLabelText("Recipients (CSV)"), "phone,header,1,2{enter}+5511999990001,4410,Ada,4410");
  expect(within(main).getByText(/columns button\.0/)).toBeInTheDocument();
  expect(create).toBeDisabled();

  await u.upload(within(main).getByLabelText("CSV file"), new File([CSV], "march.csv", { type: "text/csv" }));
  const preview = await within(main).findByRole("table", { name: "Preview" });
  expect(within(preview).getAllByRole("row")).toHaveLength(3);
  expect(within(preview).getByText("Lin")).toBeInTheDocument();
  expect(within(main).getByText("✓ 2 recipients")).toBeInTheDocument();
  expect(within(main).getByText("✓ 2 body parameters, as the template needs")).toBeInTheDocument();
  await waitFor(() => expect(create).toBeEnabled());

  await u.click(create);
  expect(await screen.findByText("Opened broadcast")).toBeInTheDocument();
  expect(posted).toEqual([{ name: "March promo", number_id: "num-1", template_name: "order_update", language: "en_US", csv: CSV }]);
});

test("the API's refusal of a list is shown with its problems", async () => {
  renderWith(<BroadcastsPage />, {
    user: user("org_admin"),
    routes: {
      "/broadcasts/": { broadcasts: [], total: 0, page: 1, per_page: 20 },
      "/whatsapp/": { numbers: [NUMBER], total: 1, page: 1, per_page: 100 },
      "/templates/": { templates: [template({ requirements: { body: 0, total: 0 }, components: [{ type: "BODY", text: "Hi" }] })], total: 1, page: 1, per_page: 100 },
      "POST /broadcasts/": () =>
        new Response(
          JSON.stringify({ error: { code: "invalid_recipients", message: "recipient 1: 'abc' is not a phone number", problems: ["recipient 1: 'abc' is not a phone number"] } }),
          { status: 422 },
        ),
    },
  });
  const main = screen.getByRole("main", { name: "Broadcasts" });
  const u = userEvent.setup();
  await u.click(await within(main).findByRole("button", { name: "New broadcast" }));
  await u.type(within(main).getByLabelText("Name"), "X");
  await waitFor(() => expect(within(main).getByRole("option", { name: "Pizzaria" })).toBeInTheDocument());
  await u.selectOptions(within(main).getByLabelText("Number"), "num-1");
  await waitFor(() => expect(within(main).getByRole("option", { name: "order_update" })).toBeInTheDocument());
  await u.selectOptions(within(main).getByLabelText("Template"), "order_update");
  await u.type(within(main).getByLabelText("Recipients (CSV)"), "phone{enter}abc");
  await u.click(within(main).getByRole("button", { name: "Create broadcast" }));
  const alert = await within(main).findByRole("alert");
  expect(alert).toHaveTextContent("recipient 1: 'abc' is not a phone number");
});

test("a running broadcast: counts refreshed while it runs, pause then resume, recipients with outcomes", async () => {
  let current = broadcast();
  const moves: string[] = [];
  const move = (action: string, status: string) => () => {
    moves.push(action);
    current = { ...current, status };
    return current;
  };
  renderWith(
    <Routes>
      <Route path="/broadcasts/:broadcastId" element={<BroadcastPage />} />
    </Routes>,
    {
      user: user("org_admin"),
      path: "/broadcasts/bc-1",
      routes: {
        "/broadcasts/bc-1": () => current,
        "/broadcasts/bc-1/recipients": (_: RequestInit, url: URL) => ({
          recipients:
            url.searchParams.get("page") === "2"
              ? [recipient(50, { outcome: "pending", queued_at: null, accepted: null, delivered: null })]
              : [
                  recipient(0, { outcome: "read", read: "2026-03-02T10:00:04Z" }),
                  recipient(1, { outcome: "failed", error_code: 131026, error_reason: "Message undeliverable", delivered: null }),
                  recipient(2, { outcome: "skipped", skip_reason: "opted_out", queued_at: null, accepted: null, delivered: null }),
                ],
          total: 51,
          page: Number(url.searchParams.get("page")),
          per_page: 50,
        }),
        "POST /broadcasts/bc-1/pause": move("pause", "paused"),
        "POST /broadcasts/bc-1/resume": move("resume", "running"),
        "POST /broadcasts/bc-1/cancel": move("cancel", "cancelled"),
      },
    },
  );
  const main = screen.getByRole("main", { name: "Broadcasts" });
  const progress = await within(main).findByRole("region", { name: "Progress" });
  expect(within(progress).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "5");
  const counts = within(progress).getByLabelText("Counts");
  expect(within(counts).getByText("Skipped (opted out)").nextSibling).toHaveTextContent("1");

  // Still running: read again within a few seconds.
  current = { ...current, counts: { ...current.counts, pending: 0, accepted: 7, delivered: 6 } };
  await waitFor(() => expect(within(progress).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "9"), { timeout: POLL_MS + 2000 });

  const recipients = within(main).getByRole("table", { name: "Recipients" });
  const rows = within(recipients).getAllByRole("row").slice(1);
  expect(within(rows[0]).getByText("Read")).toBeInTheDocument();
  expect(within(rows[1]).getByText("Failed")).toBeInTheDocument();
  expect(within(rows[1]).getByText("#131026")).toBeInTheDocument();
  expect(within(rows[1]).getByText("Message undeliverable")).toBeInTheDocument();
  expect(within(rows[2]).getByText("opted out")).toBeInTheDocument();
  const u = userEvent.setup();
  await u.click(within(main).getByRole("button", { name: "Next" }));
  await waitFor(() => expect(within(recipients).getByText("Not sent yet")).toBeInTheDocument());

  await u.click(within(main).getByRole("button", { name: "Pause" }));
  await within(main).findByRole("button", { name: "Resume" });
  expect(within(main).getByText("Paused")).toBeInTheDocument();
  await u.click(within(main).getByRole("button", { name: "Resume" }));
  await within(main).findByRole("button", { name: "Pause" });
  await u.click(within(main).getByRole("button", { name: "Cancel broadcast" }));
  await waitFor(() => expect(within(main).queryByRole("button", { name: "Cancel broadcast" })).toBeNull());
  expect(within(main).getByText("Cancelled", { selector: ".bc-meta .status-badge" })).toBeInTheDocument();
  expect(moves).toEqual(["pause", "resume", "cancel"]);
}, 15_000);

test("a viewer sees a broadcast's progress without Pause, Resume or Cancel", async () => {
  renderWith(
    <Routes>
      <Route path="/broadcasts/:broadcastId" element={<BroadcastPage />} />
    </Routes>,
    {
      user: user("viewer"),
      path: "/broadcasts/bc-1",
      routes: {
        "/broadcasts/bc-1": broadcast({ status: "paused" }),
        "/broadcasts/bc-1/recipients": { recipients: [recipient(0)], total: 1, page: 1, per_page: 50 },
      },
    },
  );
  const main = screen.getByRole("main", { name: "Broadcasts" });
  await within(main).findByRole("region", { name: "Progress" });
  expect(await within(main).findByRole("table", { name: "Recipients" })).toBeInTheDocument();
  for (const name of ["Pause", "Resume", "Cancel broadcast"]) {
    expect(within(main).queryByRole("button", { name })).toBeNull();
  }
});

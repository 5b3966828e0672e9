import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { user } from "../test/fixtures";
import { renderWith } from "../test/render";
import { TemplatesPage } from "./TemplatesPage";
import { template } from "./fixtures";
import type { Template, TemplatePage } from "./types";

const page = (templates: Template[]): TemplatePage => ({ templates, total: templates.length, page: 1, per_page: 50 });

test("the templates table: status badges, components and parameter counts, filters sent to the API", async () => {
  const asked: URLSearchParams[] = [];
  renderWith(<TemplatesPage />, {
    user: user("viewer"),
    routes: {
      "/templates/": (_: RequestInit, url: URL) => {
        asked.push(url.searchParams);
        const status = url.searchParams.get("status");
        const all = [
          template(),
          template({ name: "promo", language: "pt_BR", status: "REJECTED", category: "MARKETING", reason: "INVALID_FORMAT", components: [{ type: "BODY", text: "Oi" }], requirements: { total: 0 } }),
        ];
        return page(status ? all.filter((t) => t.status === status) : all);
      },
    },
  });
  const main = screen.getByRole("main", { name: "Templates" });
  const table = await within(main).findByRole("table", { name: "Templates" });
  const rows = within(table).getAllByRole("row").slice(1);
  expect(rows).toHaveLength(2);
  expect(within(rows[0]).getByText("APPROVED")).toHaveClass("tone-bg-green");
  expect(within(rows[0]).getByText("Header (text) · Body · Footer · 1 button")).toBeInTheDocument();
  expect(within(rows[0]).getByText("4: header 1, body 2, button 1")).toBeInTheDocument();
  expect(within(rows[1]).getByText("REJECTED")).toHaveClass("tone-bg-red");
  expect(within(rows[1]).getByText("INVALID_FORMAT")).toBeInTheDocument();
  expect(within(rows[1]).getByText("None")).toBeInTheDocument();
  // A viewer reads, never syncs.
  expect(within(main).queryByRole("button", { name: "Sync now" })).toBeNull();

  await userEvent.selectOptions(within(main).getByLabelText("Status"), "REJECTED");
  await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(2));
  expect(asked.at(-1)?.get("status")).toBe("REJECTED");

  await userEvent.type(within(main).getByLabelText("Name"), "pro");
  await waitFor(() => expect(asked.at(-1)?.get("name")).toBe("pro"));
  expect(asked.at(-1)?.get("status")).toBe("REJECTED");
});

test("a writer's Sync now posts the sync, says what it found and reloads the list", async () => {
  let synced = false;
  const { fetch } = renderWith(<TemplatesPage />, {
    user: user("org_admin"),
    routes: {
      "/templates/": () => page(synced ? [template(), template({ name: "welcome" })] : []),
      "POST /templates/sync": () => {
        synced = true;
        return { synced: 2, removed: 1, wabas: ["waba-1"], errors: ["waba-2: (#100) token expired"] };
      },
    },
  });
  const main = screen.getByRole("main", { name: "Templates" });
  expect(await within(main).findByText(/No template yet/)).toBeInTheDocument();
  await userEvent.click(within(main).getByRole("button", { name: "Sync now" }));
  const report = await within(main).findByRole("status");
  expect(report).toHaveTextContent("Synced 2 templates from 1 WhatsApp Business Account, 1 removed.");
  expect(within(report).getByRole("list", { name: "Sync problems" })).toHaveTextContent("waba-2: (#100) token expired");
  const table = await within(main).findByRole("table", { name: "Templates" });
  expect(within(table).getAllByRole("row")).toHaveLength(3);
  expect(fetch.calls.filter((c) => c === "POST /templates/sync")).toHaveLength(1);
});

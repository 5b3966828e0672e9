import { render, screen } from "@testing-library/react";
import { Ticks, tickOf } from "./ticks";

test.each([
  ["queued", "one", "grey", "Queued"],
  ["accepted", "one", "grey", "Accepted by WhatsApp"],
  ["retrying", "clock", "grey", "Retrying"],
  ["sent", "one", "dark", "Sent"],
  ["delivered", "two", "dark", "Delivered"],
  ["read", "two", "blue", "Read"],
  ["indefinite", "warning", "amber", "May not have reached the contact"],
])("%s shows %s tick(s), %s", (status, icon, tone, label) => {
  const tick = tickOf(status);
  expect([tick.icon, tick.tone, tick.label]).toEqual([icon, tone, label]);
});

test("failed is red and names Meta's code and what it means", () => {
  const tick = tickOf("failed", 131047);
  expect(tick).toMatchObject({ icon: "failed", tone: "red", label: "Failed (131047)" });
  expect(tick.detail).toContain("131047");
  expect(tick.detail).toContain("24 hours");
  expect(tickOf("failed", null).label).toBe("Failed");
  expect(tickOf("failed", 999999).detail).toBe("Not delivered: error 999999.");
});

test("Meta's words join a known code's sentence, and stand in for an unknown code's", () => {
  expect(tickOf("failed", 131026, "Message Undeliverable.")).toMatchObject({
    detail: "Not delivered: error 131026, the number cannot receive it (not on WhatsApp, or an old app).",
    reason: "Message Undeliverable.",
  });
  expect(tickOf("failed", 135000, "  Generic user error ")).toMatchObject({
    detail: "Not delivered (135000): Generic user error.",
    reason: null,
  });
  expect(tickOf("failed", null, "Something broke!")).toMatchObject({ detail: "Not delivered: Something broke!", reason: null });
  expect(tickOf("delivered", null, "ignored").reason).toBeNull();
});

test("cancelled (the conversation closed first) says it was not sent", () => {
  expect(tickOf("cancelled")).toMatchObject({ label: "Not sent", tone: "grey" });
  expect(tickOf("cancelled").detail).toMatch(/closed before/);
});

test("indefinite warns that it may not have reached the contact", () => {
  expect(tickOf("indefinite").detail).toMatch(/may not have reached the contact/);
});

test("the rendered ticks are an image named by the status", () => {
  const { container, rerender } = render(<Ticks status="read" />);
  expect(screen.getByRole("img", { name: "Read" })).toHaveClass("tone-blue");
  expect(container.querySelectorAll("path")).toHaveLength(2); // two checks
  rerender(<Ticks status="delivered" />);
  expect(screen.getByRole("img", { name: "Delivered" })).toHaveClass("tone-dark");
  rerender(<Ticks status="sent" />);
  expect(container.querySelectorAll("path")).toHaveLength(1);
  rerender(<Ticks status="failed" errorCode={131026} />);
  expect(screen.getByRole("img", { name: "Failed (131026)" })).toHaveTextContent("Failed (131026)");
  rerender(<Ticks status="received" />);
  expect(screen.queryByRole("img")).toBeNull();
});

import { initials, phoneLabel, secondsSince, shortWhen, waited, windowLeft } from "./format";

test("a wait reads in the largest unit that fits", () => {
  expect(waited(42)).toBe("42s");
  expect(waited(125)).toBe("2m");
  expect(waited(3 * 3600 + 20 * 60)).toBe("3h 20m");
  expect(waited(2 * 86400 + 5 * 3600)).toBe("2d 5h");
  expect(waited(-5)).toBe("0s");
});

test("seconds since a time, never negative, zero for none", () => {
  const now = Date.parse("2026-03-02T10:05:00Z");
  expect(secondsSince("2026-03-02T10:00:00Z", now)).toBe(300);
  expect(secondsSince("2026-03-02T10:10:00Z", now)).toBe(0);
  expect(secondsSince(null, now)).toBe(0);
});

describe("the 24-hour window's time left", () => {
  const now = Date.parse("2026-03-02T10:00:00Z");
  const at = (s: number) => new Date(now + s * 1000).toISOString();

  test("hours and minutes while open", () => {
    expect(windowLeft(at(23 * 3600 + 5 * 60 + 30), now)).toMatchObject({
      phase: "open",
      text: "23h 05m left",
      short: "23h 05m",
    });
  });

  test("under an hour it is closing and shows seconds ticking", () => {
    expect(windowLeft(at(14 * 60 + 9), now)).toMatchObject({ phase: "closing", text: "14m 09s left" });
    expect(windowLeft(at(14 * 60 + 8), now).text).toBe("14m 08s left");
    expect(windowLeft(at(42), now)).toMatchObject({ phase: "closing", text: "42s left" });
  });

  test("closed, with how long ago", () => {
    expect(windowLeft(at(-3 * 3600), now)).toMatchObject({ phase: "closed", text: "Closed 3h 0m ago" });
    expect(windowLeft(at(0), now).phase).toBe("closed");
    expect(windowLeft(null, now)).toMatchObject({ phase: "closed", text: "Closed", msLeft: 0 });
  });
});

test("list times: clock today, Yesterday, then dates", () => {
  const now = new Date(2026, 2, 10, 15, 0).getTime();
  expect(shortWhen(new Date(2026, 2, 10, 9, 5).toISOString(), now, "en-GB")).toBe("09:05");
  expect(shortWhen(new Date(2026, 2, 9, 23, 0).toISOString(), now, "en-GB")).toBe("Yesterday");
  expect(shortWhen(new Date(2026, 0, 3, 12, 0).toISOString(), now, "en-GB")).toBe("3 Jan");
});

test("phones and initials", () => {
  expect(phoneLabel("5511912345678")).toBe("+5511912345678");
  expect(phoneLabel("+5511912345678")).toBe("+5511912345678");
  expect(phoneLabel("user.abc")).toBe("user.abc");
  expect(initials("Lin Tester")).toBe("LT");
  expect(initials("  ana  ")).toBe("A");
  expect(initials("+55 11")).toBe("#");
  expect(initials(null)).toBe("#");
});

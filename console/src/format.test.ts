import { waited } from "./format";

test("a wait reads in the largest unit that fits", () => {
  expect(waited(42)).toBe("42s");
  expect(waited(125)).toBe("2m");
  expect(waited(3 * 3600 + 20 * 60)).toBe("3h 20m");
});

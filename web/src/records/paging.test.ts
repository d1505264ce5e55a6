import { describe, expect, it } from "vitest";
import { countText, pageCount } from "./paging";

describe("the records grid's pages", () => {
  it("offers every page of an exact total", () => {
    expect(pageCount(50, 1, true, { total: 61, totalIsExact: true })).toBe(2);
    expect(pageCount(50, 1, false, { total: 0, totalIsExact: true })).toBe(1);
  });

  it("offers the pages a lower bound vouches for and one more", () => {
    expect(pageCount(50, 1, true, { total: 10_000, totalIsExact: false })).toBe(201);
    expect(pageCount(50, 230, true, { total: 10_000, totalIsExact: false })).toBe(231);
  });

  it("offers the next page before the count is in", () => {
    expect(pageCount(50, 3, true, undefined)).toBe(4);
    expect(pageCount(50, 3, false, undefined)).toBe(3);
  });

  it("says a lower bound is one", () => {
    expect(countText({ total: 10_000, totalIsExact: false })).toBe("More than 10,000 records");
    expect(countText({ total: 1, totalIsExact: true })).toBe("1 record");
    expect(countText({ total: 1_000_000, totalIsExact: true })).toBe("1,000,000 records");
  });
});

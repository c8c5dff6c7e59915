import { describe, expect, it } from "vitest";

import en from "./locales/en.json";
import id from "./locales/id.json";
import ms from "./locales/ms.json";
import vi from "./locales/vi.json";

function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "object" && value !== null ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function strings(tree: object): string[] {
  return Object.values(tree).flatMap((v) => (typeof v === "object" && v !== null ? strings(v as object) : [String(v)]));
}

const placeholders = (text: string) => (text.match(/{{\w+}}/g) ?? []).sort();

const CATALOGS = { vi, id, ms } as const;

describe("translation catalogs", () => {
  it.each(Object.entries(CATALOGS))("%s has every English key and no other", (_, catalog) => {
    expect(keys(catalog).sort()).toEqual(keys(en).sort());
  });

  it.each(Object.entries(CATALOGS))("no %s string is left empty", (_, catalog) => {
    expect(strings(catalog).filter((s) => !s.trim())).toEqual([]);
  });

  it.each(Object.entries(CATALOGS))("%s keeps the placeholders of each English string", (_, catalog) => {
    const flat = (tree: object) => Object.fromEntries(keys(tree).map((key) => [key, key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], tree)]));
    const english = flat(en);
    const translated = flat(catalog);
    const differing = Object.keys(english).filter(
      (key) => placeholders(String(english[key])).join() !== placeholders(String(translated[key])).join(),
    );
    expect(differing).toEqual([]);
  });

  it("Indonesian and Malay are translated, not copies of English", () => {
    for (const catalog of [id, ms]) {
      const english = strings(en);
      const same = strings(catalog).filter((s, i) => s === english[i]);
      // Brand names, codes and a few shared words ("Status", "Email"…) stay as they are.
      expect(same.length).toBeLessThan(english.length / 10);
    }
  });
});

// The dashboard's languages (the API accepts the same codes for a user's language: PATCH /me).
export const LANGUAGES = [
  { code: "en", label: "English" },
  { code: "vi", label: "Tiếng Việt" },
  { code: "id", label: "Bahasa Indonesia" },
  { code: "ms", label: "Bahasa Melayu" },
] as const;

export type LanguageCode = (typeof LANGUAGES)[number]["code"];

export function isLanguage(code: string): code is LanguageCode {
  return LANGUAGES.some((l) => l.code === code);
}

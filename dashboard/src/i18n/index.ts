import i18n from "i18next";
import { initReactI18next } from "react-i18next";

import en from "./locales/en.json";
import id from "./locales/id.json";
import ms from "./locales/ms.json";
import vi from "./locales/vi.json";
import { isLanguage, type LanguageCode } from "./languages";

// Every catalog has the same keys (catalogs.test.ts). A signed-in user's saved language wins
// (components/LanguageSwitcher.tsx); before sign-in the browser's language is used.
export { isLanguage, LANGUAGES, type LanguageCode } from "./languages";

function initialLanguage(): LanguageCode {
  const preferred = navigator.language.slice(0, 2);
  return isLanguage(preferred) ? preferred : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, vi: { translation: vi }, id: { translation: id }, ms: { translation: ms } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
});

i18n.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});
document.documentElement.lang = i18n.language;

export default i18n;

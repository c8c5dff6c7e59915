import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", "src/api/schema.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Notices and dialogs go through components/notify.ts and EditModal.tsx, which name their close buttons (axe: button-name).
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@mantine/notifications", importNames: ["notifications"], message: "Use notify() or notifyError() from components/notify." },
            { name: "@mantine/core", importNames: ["Modal"], message: "Use EditModal from components/EditModal (its close button is named)." },
          ],
        },
      ],
    },
  },
  { files: ["src/components/notify.ts", "src/components/notify.test.ts", "src/components/EditModal.tsx"], rules: { "no-restricted-imports": "off" } },
);

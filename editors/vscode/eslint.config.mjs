// Minimal flat config: ESLint's and typescript-eslint's recommended rules on the TypeScript sources.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["out/", "node_modules/", "schemas/", "test/infra/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      eqeqeq: "error",
      "no-console": "error",
    },
  },
  {
    files: ["scripts/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    // The end-to-end drivers: Node (CommonJS), plus the page functions the browser driver
    // evaluates in the page.
    files: ["test/e2e/*.cjs", "test/yaml/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        process: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        document: "readonly",
        NodeFilter: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);

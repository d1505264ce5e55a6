// Regenerates src/api/schema.d.ts from the API's OpenAPI document: from a running server
// when ERP_API is set (e.g. ERP_API=http://127.0.0.1:8000), else from the application
// object itself through the project's Python (no database needed).
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..");
let document;
if (process.env.ERP_API) {
  const response = await fetch(`${process.env.ERP_API}/schema/openapi.json`);
  document = await response.text();
} else {
  const python = process.env.PYTHON ?? join(root, ".venv", "bin", "python");
  const dump = [
    "import json",
    "from api.app import create_app",
    "from core.settings import Settings, parse_database_url",
    "app = create_app(Settings(database_url=parse_database_url('sqlite://'), secret_key='x' * 40))",
    "print(json.dumps(app.openapi_schema.to_schema()))",
  ].join("\n");
  document = execFileSync(python, ["-c", dump], { cwd: root, encoding: "utf8" });
}
const file = join(mkdtempSync(join(tmpdir(), "erp-openapi-")), "openapi.json");
writeFileSync(file, document);
execFileSync(
  "npx",
  ["openapi-typescript", file, "-o", join(root, "web", "src", "api", "schema.d.ts")],
  { stdio: "inherit" },
);

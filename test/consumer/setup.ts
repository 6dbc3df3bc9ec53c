/**
 * Packs taskfit as npm publishes it and installs the tarball once into a template project (with
 * tsx and esbuild, as users have them); each test copies that project to the layout it needs.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    template: string;
    root: string;
  }
}

export default function setup(project: TestProject): () => void {
  const repo = resolve(import.meta.dirname, "../..");
  const root = mkdtempSync(join(tmpdir(), "taskfit-consumer-"));
  execFileSync("npm", ["run", "build", "--silent"], { cwd: repo, stdio: "inherit" });
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", root], { cwd: repo, encoding: "utf8" }).trim().split("\n").at(-1) as string;
  const template = join(root, "template");
  mkdirSync(template);
  writeFileSync(join(template, "package.json"), JSON.stringify({ name: "template", private: true, type: "module" }));
  // What users add beside taskfit: tsx for .ts modules, esbuild to bundle, kubernetes-models to plan Jobs.
  const tools = ["tsx", "esbuild", "kubernetes-models"].map((name) => `${name}@${execFileSync("node", ["-p", `require("${name}/package.json").version`], { cwd: repo, encoding: "utf8" }).trim()}`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", join(root, tarball), ...tools], { cwd: template, stdio: "inherit" });
  project.provide("template", template);
  project.provide("root", root);
  return () => rmSync(root, { recursive: true, force: true });
}

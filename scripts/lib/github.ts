// GitHub Actions workflow commands, escaped the way @actions/core escapes them.

/** Message text: `%`, CR and LF. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values (file, title): the message escapes plus `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  file: string;
  line: number;
  col?: number;
  title?: string;
  message: string;
}

/** `::error file=a.yaml,line=3,col=5,title=…::message` */
export function annotation(a: Annotation): string {
  const props = [`file=${escapeProperty(a.file)}`, `line=${a.line}`];
  if (a.col !== undefined) props.push(`col=${a.col}`);
  if (a.title !== undefined) props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level} ${props.join(',')}::${escapeData(a.message)}`;
}

/** `--format github`, or automatically under GitHub Actions. */
export function wantsGithubFormat(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return explicit === undefined ? env.GITHUB_ACTIONS === 'true' : explicit === 'github';
}

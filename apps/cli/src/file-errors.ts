/** A file operation's failure in words, for the one line a user reads (no "EISDIR: … rename '/.tmp…'"). */
export function describeFileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EISDIR':
      return 'that is a folder; give a file path inside it';
    case 'ENOENT':
      return 'its folder does not exist';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EEXIST':
      return 'it exists';
    case 'ELOOP':
      return 'it is a symbolic link loop';
    default:
      return err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
}

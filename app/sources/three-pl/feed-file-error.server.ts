/** The file as a whole cannot be imported; `status` is the HTTP answer it deserves. */
export class FeedFileError extends Error {
  constructor(
    readonly status: 400 | 409 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "FeedFileError";
  }
}

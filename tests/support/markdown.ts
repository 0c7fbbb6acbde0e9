/**
 * Card text as a person reads it in Teams: a backslash before ASCII punctuation in Markdown text
 * (TextBlock text, FactSet titles and values) is not shown, it only stops the character being read
 * as formatting (CommonMark "backslash escapes"; the cards escape what people typed this way).
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
 */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([\\`*_[\]()<>#~|!.+-])/g, '$1');
}

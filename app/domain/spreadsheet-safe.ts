/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab or carriage return that
 * some programs strip first) gets a leading apostrophe: shown as text, never executed. Exported
 * cells carry text that came from outside (order names, carriers, 3PL rows).
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

// Short, human names for the content types the server sniffs.
const LABELS: Record<string, string> = {
  "application/pdf": "PDF",
  "image/png": "PNG image",
  "image/jpeg": "JPEG image",
  "image/gif": "GIF image",
  "image/webp": "WebP image",
  "image/svg+xml": "SVG image",
  "text/plain": "Text",
  "text/markdown": "Markdown",
  "text/csv": "CSV",
  "text/html": "HTML",
  "application/json": "JSON",
  "application/xml": "XML",
  "application/zip": "ZIP archive",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint deck",
  "application/octet-stream": "Binary",
};

export function typeLabel(contentType: string): string {
  return LABELS[contentType] ?? contentType.split("/").pop()!.replace(/^x-/, "").toUpperCase();
}

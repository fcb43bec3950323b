// A hono/jsx element as its HTML text (tests render components without a request).
export const renderHtml = (element: unknown): string => (element as { toString(): string }).toString();

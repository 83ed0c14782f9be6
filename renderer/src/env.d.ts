// Side-effect CSS imports (bundled by Vite into one stylesheet file).
declare module '*.css';

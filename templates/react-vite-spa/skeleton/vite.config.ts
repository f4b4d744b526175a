import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Novahost serves dist/ at the site root; unknown paths fall back to
// index.html because the project is created as a single-page app.
export default defineConfig({
  plugins: [react()],
});

// Renderer entry: mounts the React app shell.
import './zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('src/renderer/index.html: element #root is missing');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

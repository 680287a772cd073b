import { EngineStatus } from './EngineStatus.js';
import { GenerateForm } from './GenerateForm.js';
import { PackStatus } from './PackStatus.js';
import { RunPanel } from './RunPanel.js';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>IV-mixed Studio</h1>
        <p>Text-to-video diffusion in your browser, with the IV-mixed Sampler.</p>
      </header>
      <main className="studio">
        <div className="studio-status">
          <PackStatus />
          <EngineStatus />
        </div>
        <GenerateForm />
        <RunPanel />
      </main>
    </div>
  );
}

// The app shell: header, navigation, the current view; loads data and subscribes to events once.
import { useEffect } from 'react';
import { Header } from './components/Header';
import { Nav } from './components/Nav';
import { ErrorBanner } from './components/common';
import { MISSING_BRIDGE } from './api/client';
import { useApp } from './stores/app';
import { useData } from './stores/data';
import { connectEvents } from './stores/events';
import { useJobs } from './stores/jobs';
import { useProducts } from './stores/products';
import { CalibratorsView } from './views/CalibratorsView';
import { DataView } from './views/DataView';
import { PipelineView } from './views/PipelineView';
import { ProductsView } from './views/ProductsView';
import { ReviewView } from './features/review/ReviewView';
import { WorkflowView } from './features/plan/WorkflowView';
import { SettingsView } from './features/settings/SettingsView';

export function App() {
  const view = useApp((s) => s.view);
  const status = useApp((s) => s.status);

  useEffect(() => {
    const disconnect = connectEvents();
    void useApp.getState().connect();
    void useJobs.getState().load(0);
    void useData.getState().loadAll();
    void useProducts.getState().load(0);
    return disconnect;
  }, []);

  return (
    <div className="app">
      <Header />
      <div className="body">
        <Nav />
        <main className="main">
          {status === 'offline' ? <ErrorBanner message={MISSING_BRIDGE} /> : null}
          {view === 'pipeline' ? <PipelineView /> : null}
          {view === 'data' ? <DataView /> : null}
          {view === 'calibrators' ? <CalibratorsView /> : null}
          {view === 'products' ? <ProductsView /> : null}
          {view === 'review' ? <ReviewView /> : null}
          {view === 'workflow' ? <WorkflowView /> : null}
          {view === 'settings' ? <SettingsView /> : null}
        </main>
      </div>
    </div>
  );
}

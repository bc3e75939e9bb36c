import { AlertsNav } from '@/components/alerts/AlertsNav';

/** The Alerts section: its sub-navigation above each of its pages (incidents, rules, channels). */
export default function AlertsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <AlertsNav />
      {children}
    </>
  );
}

import { Card } from '@/components/ui/Card';
import { ChannelForm } from '@/components/alerts/channels/ChannelForm';
import { adminFormPage } from '../../admin-form-page';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New alert channel' };

export default function NewAlertChannelPage() {
  return adminFormPage({ back: { href: '/alerts/channels', label: 'Alert channels' }, title: 'New alert channel' }, async () => (
    <Card>
      <ChannelForm mode="create" />
    </Card>
  ));
}

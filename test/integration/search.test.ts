// The Neighbours search box through the real extension host: a `search` from the webview is
// checked, answered by the worker's findToken for the model on show (host/search.ts), and a
// refused one fails at once (would catch the message not being wired, or wired unchecked).
import * as assert from 'node:assert/strict';
import { seedPanelProbe, until } from './helpers';

describe('Neighbours search in the extension host', function () {
  this.timeout(30_000);

  it('search finds "refrigerator" (id 1028) in the seed vocabulary; an empty word is refused', async () => {
    const { posted, deliver, restore } = await seedPanelProbe();
    try {
      const good = 2 ** 30 + 21;
      deliver({ type: 'search', requestId: good, query: 'refrigerator', limit: 10 });
      const answer = await until('the search\'s answer', () => posted.find(m => m.type === 'didSearch' && m.requestId === good));
      assert.ok(answer.type === 'didSearch');
      assert.deepEqual(answer.found.exact, { id: 1028, text: 'refrigerator' });
      const bad = 2 ** 30 + 22;
      deliver({ type: 'search', requestId: bad, query: '', limit: 10 });
      const failed = posted.find(m => m.type === 'didFail' && m.requestId === bad);
      assert.ok(failed && failed.type === 'didFail' && failed.reason === 'invalidMessage', JSON.stringify(failed));
      assert.match(failed.message, /search\.query: expected a word/);
    } finally {
      restore();
    }
  });
});

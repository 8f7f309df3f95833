import { describe, expect, it } from 'vitest';
import { emojiForShortcode } from './emoji';

describe('emojiForShortcode', () => {
  it('covers the common emoji shortcodes', () => {
    const names = [
      'smile', 'slightly_smiling_face', 'wave', 'thumbsup', '+1', 'tada', 'heart', 'white_check_mark', 'x', 'warning',
      'rocket', 'pray', 'eyes', 'thinking_face', 'joy', 'sweat_smile', 'ok_hand', 'clap', 'fire', '100', 'bulb', 'memo',
      'calendar', 'email', 'lock', 'key', 'star', 'sparkles', 'point_right', 'raised_hands', 'muscle', 'coffee', 'sob',
      'cry', 'sunglasses', 'wink', 'blush', 'grin', 'laughing', 'confused', 'disappointed', 'slightly_frowning_face',
      'neutral_face', 'heavy_check_mark', 'question', 'exclamation', 'hourglass', 'hourglass_flowing_sand', 'bell',
      'link', 'paperclip', 'package', 'gift', 'moneybag', 'credit_card', 'chart_with_upwards_trend', 'bug', 'wrench',
      'hammer', 'gear', 'computer', 'iphone', 'globe_with_meridians', 'house', 'sun_with_face', 'zap', 'snowflake',
      'handshake', 'smiley', 'innocent', 'relieved', 'upside_down_face', 'sweat', 'scream', 'see_no_evil',
    ];
    for (const name of names) {
      const emoji = emojiForShortcode(name);
      expect(emoji, name).toBeDefined();
      expect(emoji).not.toMatch(/[a-z:]/);
    }
    expect(emojiForShortcode('constructor')).toBeUndefined();
    expect(emojiForShortcode('__proto__')).toBeUndefined();
  });
});

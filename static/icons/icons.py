"""Draw the app's icons (the web app manifest's) with Pillow: a white grid and 网格 on the theme red.

Run `python static/icons/icons.py` after changing the design; commit the PNGs. The character is drawn
with Noto Sans CJK when the machine has it (Debian: fonts-noto-cjk), else the grid alone.
"""
import os

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
THEME = (200, 16, 46)  # --primary of static/css/app.css
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
SC = 2  # index of the Simplified Chinese face in the collection


def icon(size, maskable=False):
    """One square icon; a maskable one keeps its drawing inside the central safe circle (80 %)."""
    image = Image.new("RGB", (size, size), THEME)
    draw = ImageDraw.Draw(image)
    inset = size * (0.2 if maskable else 0.12)
    box = (inset, inset, size - inset, size - inset)
    line = max(2, size // 48)
    draw.rounded_rectangle(box, radius=size // 16, outline="white", width=line)
    step = (box[2] - box[0]) / 3
    for i in (1, 2):
        draw.line((box[0] + i * step, box[1], box[0] + i * step, box[3]), fill=(255, 255, 255), width=max(1, line // 2))
        draw.line((box[0], box[1] + i * step, box[2], box[1] + i * step), fill=(255, 255, 255), width=max(1, line // 2))
    if os.path.exists(FONT):
        font = ImageFont.truetype(FONT, int(step * 0.8), index=SC)
        middle = (box[0] + 1.5 * step, box[1] + 1.5 * step)
        cell = (middle[0] - step / 2 + line, middle[1] - step / 2 + line, middle[0] + step / 2 - line,
                middle[1] + step / 2 - line)
        draw.rectangle(cell, fill=THEME)
        draw.text(middle, "网", font=font, fill="white", anchor="mm")
    return image


def main():
    """Write the manifest's icons."""
    for size in (192, 512):
        icon(size).save(os.path.join(HERE, f"icon-{size}.png"), optimize=True)
    icon(512, maskable=True).save(os.path.join(HERE, "icon-maskable-512.png"), optimize=True)


if __name__ == "__main__":
    main()

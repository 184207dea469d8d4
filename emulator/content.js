'use strict'

/**
 * The WKND-like adventures the emulator serves: fixed data, same output on every run.
 * @module emulator/content
 */

const { createHash } = require('node:crypto')

/** Raw adventure data; `itinerary` is a list of [heading, text]. */
const RAW = [
  {
    title: 'Bali Surf Camp',
    slug: 'bali-surf-camp',
    activity: 'Surfing',
    adventureType: 'Overnight Trip',
    price: 5000,
    tripLength: '6 Days',
    groupSize: 6,
    difficulty: 'Beginner',
    image: 'AdobeStock_175749320.jpg',
    description: [
      'Surfing in Bali is on the bucket list of every surfer, whether you are a beginner or someone who has been surfing for decades.',
      'Our six day camp pairs small groups with local instructors on the gentle reef breaks of the Bukit Peninsula and the sandy beach breaks of Canggu.',
      'Between sessions you will stay in a family-run guesthouse, eat fresh Balinese food and learn to read swell charts, tides and wind like a local.'
    ],
    itinerary: [
      ['Day 1', 'Arrive in Denpasar and transfer to the camp in Canggu. Welcome dinner, board fitting and a safety briefing on the beach.'],
      ['Day 2', 'Two lessons on the whitewater at Batu Bolong. Afternoon video review of your pop-up and stance with the coaches.'],
      ['Day 3', 'Early session at Old Man\'s to catch the glassy morning conditions, then a yoga class to loosen tight shoulders.'],
      ['Day 4', 'Boat trip to the reef at Medewi for long, slow left-handers. Lunch at a warung in the rice fields on the way back.'],
      ['Day 5', 'Free surf with a coach in the water, followed by a visit to the temple at Tanah Lot for sunset.'],
      ['Day 6', 'One last dawn patrol, farewell breakfast and transfer back to the airport.']
    ]
  },
  {
    title: 'Beervana in Portland',
    slug: 'beervana-portland',
    activity: 'Social',
    adventureType: 'Day Trip',
    price: 250,
    tripLength: '1 Day',
    groupSize: 10,
    difficulty: 'Beginner',
    image: 'AdobeStock_279146386.jpg',
    description: [
      'Portland is known as Beervana for a reason: the city has more craft breweries than almost anywhere else on the planet.',
      'This guided walking and biking tour visits five of the best taprooms on the east side, with tasting flights, brewery tours and a meeting with a head brewer.',
      'Food pairings from local food carts are included, and a designated driver takes everyone home at the end of the day.'
    ],
    itinerary: [
      ['Morning', 'Meet at the Central Eastside for coffee and a short history of brewing in Oregon, then pick up your cruiser bike.'],
      ['Midday', 'Behind-the-scenes tour of a production brewery and a tasting flight of fresh-hop ales with lunch from a food cart pod.'],
      ['Afternoon', 'Ride along the Willamette to two small neighbourhood taprooms known for sours and barrel-aged stouts.'],
      ['Evening', 'Finish at a brewpub on Hawthorne for a pairing dinner with the head brewer, then a ride back to your hotel.']
    ]
  },
  {
    title: 'Climbing New Zealand',
    slug: 'climbing-new-zealand',
    activity: 'Rock Climbing',
    adventureType: 'Overnight Trip',
    price: 900,
    tripLength: '2 Days',
    groupSize: 4,
    difficulty: 'Intermediate',
    image: 'AdobeStock_140634652.jpg',
    description: [
      'New Zealand\'s South Island is home to some of the best sport and trad climbing in the southern hemisphere.',
      'This two day trip takes small groups to the limestone boulders of Castle Hill and the volcanic crags of Banks Peninsula with a certified mountain guide.',
      'You should already be comfortable leading 5.9 routes; the guide will help you push your grade and sharpen your rope work.'
    ],
    itinerary: [
      ['Day 1', 'Drive from Christchurch to Castle Hill through the Canterbury plains. Afternoon bouldering circuit and a night in an alpine hut.'],
      ['Day 2', 'Multi-pitch routes on the Port Hills above Lyttelton harbour, a picnic lunch at the top and the return to Christchurch.']
    ]
  },
  {
    title: 'Cycling Southern Utah',
    slug: 'cycling-southern-utah',
    activity: 'Cycling',
    adventureType: 'Overnight Trip',
    price: 3500,
    tripLength: '5 Days',
    groupSize: 8,
    difficulty: 'Advanced',
    image: 'AdobeStock_167832627.jpg',
    description: [
      'Ride through the red rock canyons of Southern Utah on a five day road cycling tour of Zion, Bryce Canyon and Capitol Reef.',
      'Daily distances range from 60 to 110 kilometres with serious climbing, so a good level of fitness and experience riding in a group are required.',
      'A support van carries your luggage, water and snacks, and every night ends at a comfortable lodge close to the park entrances.'
    ],
    itinerary: [
      ['Day 1', 'Meet in St. George, bike fitting and a warm-up ride along the Snow Canyon loop.'],
      ['Day 2', 'Climb into Zion National Park and ride the scenic drive through the canyon before the Zion-Mount Carmel tunnel shuttle.'],
      ['Day 3', 'A long day across the plateau to Bryce Canyon with a sunset walk along the rim of the amphitheatre.'],
      ['Day 4', 'Scenic Byway 12 over the Hogsback, one of the most spectacular roads in America, to the town of Torrey.'],
      ['Day 5', 'Morning ride through Capitol Reef and a farewell lunch before the transfer back to St. George.']
    ]
  },
  {
    title: 'Cycling Tuscany',
    slug: 'cycling-tuscany',
    activity: 'Cycling',
    adventureType: 'Overnight Trip',
    price: 4500,
    tripLength: '6 Days',
    groupSize: 12,
    difficulty: 'Intermediate',
    image: 'AdobeStock_141234567.jpg',
    description: [
      'Cypress-lined roads, medieval hill towns and long lunches in the vineyards: cycling in Tuscany is as good as it sounds.',
      'This six day tour follows quiet country roads and white gravel strade bianche from Florence through Chianti to Siena and Montalcino.',
      'Expect rolling hills every day, with shorter options for riders who would rather spend the afternoon by the pool.'
    ],
    itinerary: [
      ['Day 1', 'Arrive in Florence, meet the group and ride an easy loop to Fiesole for views over the Duomo.'],
      ['Day 2', 'Into the Chianti hills via Greve, with a wine tasting at a family estate and dinner in the castle at Brolio.'],
      ['Day 3', 'Gravel roads to Siena, with a guided walk through the Piazza del Campo in the late afternoon.'],
      ['Day 4', 'A rest day or an optional loop through the Crete Senesi and the abbey of Monte Oliveto Maggiore.'],
      ['Day 5', 'Climb to Montalcino for a Brunello tasting, then descend through the Val d\'Orcia to Pienza.'],
      ['Day 6', 'Short morning ride to Montepulciano, farewell lunch and transfer back to Florence.']
    ]
  },
  {
    title: 'Downhill Skiing Wyoming',
    slug: 'downhill-skiing-wyoming',
    activity: 'Skiing',
    adventureType: 'Overnight Trip',
    price: 2800,
    tripLength: '4 Days',
    groupSize: 6,
    difficulty: 'Advanced',
    image: 'AdobeStock_185234795.jpg',
    description: [
      'Jackson Hole is famous for steep terrain, deep powder and the legendary Corbet\'s Couloir.',
      'Spend four days exploring the mountain with a local guide who knows where the snow is best, from groomed corridors to hidden tree runs in the Hobacks.',
      'This trip is for strong skiers who are comfortable on black diamond runs in variable conditions.'
    ],
    itinerary: [
      ['Day 1', 'Arrive in Jackson, rental fitting and an evening orientation at the lodge in Teton Village.'],
      ['Day 2', 'First tram of the day to the summit of Rendezvous Mountain and a tour of the classic runs with your guide.'],
      ['Day 3', 'Avalanche awareness clinic in the morning, followed by the sidecountry gates with full safety gear.'],
      ['Day 4', 'Powder morning in the Hobacks, lunch at the Casper restaurant and the return to Jackson airport.']
    ]
  },
  {
    title: 'Gastronomic Marais Tour',
    slug: 'gastronomic-marais-tour',
    activity: 'Social',
    adventureType: 'Day Trip',
    price: 600,
    tripLength: '1 Day',
    groupSize: 8,
    difficulty: 'Beginner',
    image: 'AdobeStock_211934565.jpg',
    description: [
      'The Marais is one of the oldest neighbourhoods in Paris and one of its most delicious.',
      'Walk its narrow streets with a food writer who lives there, tasting falafel on the Rue des Rosiers, cheese from an affineur, chocolate and fresh bread.',
      'The tour ends with a market lunch and a glass of wine at the Marché des Enfants Rouges, the oldest covered market in the city.'
    ],
    itinerary: [
      ['Morning', 'Coffee and croissants at a neighbourhood bakery, then a walk through the Place des Vosges.'],
      ['Midday', 'Cheese and charcuterie tasting in a vaulted cellar, followed by the falafel shops of the old Jewish quarter.'],
      ['Afternoon', 'Chocolate and pastry workshop with a pâtissier, and lunch at the Marché des Enfants Rouges.']
    ]
  },
  {
    title: 'Napa Wine Tasting',
    slug: 'napa-wine-tasting',
    activity: 'Social',
    adventureType: 'Day Trip',
    price: 350,
    tripLength: '1 Day',
    groupSize: 10,
    difficulty: 'Beginner',
    image: 'AdobeStock_155934565.jpg',
    description: [
      'Napa Valley produces some of the best Cabernet Sauvignon in the world, and the best way to taste it is with someone who knows the winemakers.',
      'This day trip visits three small family wineries along the Silverado Trail, with barrel tastings and a tour of the caves.',
      'Transport from San Francisco, a picnic lunch among the vines and all tasting fees are included.'
    ],
    itinerary: [
      ['Morning', 'Pickup in San Francisco and a drive across the Golden Gate Bridge into wine country.'],
      ['Midday', 'Barrel tasting at a cave winery in the Stags Leap District and a picnic lunch among the vines.'],
      ['Afternoon', 'Sparkling wine on the terrace of a Carneros estate before the drive back to the city.']
    ]
  },
  {
    title: 'Overnight Colorado Rock Climbing',
    slug: 'colorado-rock-climbing',
    activity: 'Rock Climbing',
    adventureType: 'Overnight Trip',
    price: 700,
    tripLength: '2 Days',
    groupSize: 4,
    difficulty: 'Advanced',
    image: 'AdobeStock_185219541.jpg',
    description: [
      'Eldorado Canyon outside Boulder offers some of the finest traditional climbing in the United States, on steep sandstone walls above a rushing creek.',
      'This overnight trip combines a full day of multi-pitch climbing with a night under the stars at a backcountry camp.',
      'You should be able to lead 5.10 and be comfortable placing your own protection; all technical gear is provided.'
    ],
    itinerary: [
      ['Day 1', 'Meet in Boulder, gear check and a warm-up on the Bastille. Afternoon multi-pitch on the Redgarden Wall and camp by the creek.'],
      ['Day 2', 'Sunrise start on the classic Naked Edge, descent by rappel and a celebratory lunch back in Boulder.']
    ]
  },
  {
    title: 'Riverside Camping Australia',
    slug: 'riverside-camping-australia',
    activity: 'Camping',
    adventureType: 'Overnight Trip',
    price: 1500,
    tripLength: '3 Days',
    groupSize: 8,
    difficulty: 'Beginner',
    image: 'AdobeStock_165934521.jpg',
    description: [
      'Escape to the bush for three days of camping along the Murray River, Australia\'s longest river.',
      'Paddle sections of the river in Canadian canoes, spot kangaroos and kookaburras, and learn to cook damper and billy tea over an open fire.',
      'Tents, sleeping bags and all meals are provided, so this is a great first camping trip for families and beginners.'
    ],
    itinerary: [
      ['Day 1', 'Transfer from Albury to the river, set up camp under the red gums and a short evening paddle.'],
      ['Day 2', 'Full day on the water with a bush lunch on a sandy bank and an evening of stories around the fire.'],
      ['Day 3', 'Bird walk at dawn, pack up camp and return to Albury in the early afternoon.']
    ]
  },
  {
    title: 'Ski Touring Mont Blanc',
    slug: 'ski-touring-mont-blanc',
    activity: 'Skiing',
    adventureType: 'Overnight Trip',
    price: 3200,
    tripLength: '4 Days',
    groupSize: 4,
    difficulty: 'Advanced',
    image: 'AdobeStock_152934565.jpg',
    description: [
      'Tour the high glaciers of the Mont Blanc massif with an IFMGA mountain guide, staying in mountain huts between Chamonix and Courmayeur.',
      'Each day combines climbing on skins with long descents through some of the most dramatic scenery in the Alps.',
      'Participants need to be strong off-piste skiers with previous ski touring experience and good fitness for long days at altitude.'
    ],
    itinerary: [
      ['Day 1', 'Meet in Chamonix, equipment check and a training tour on the Grands Montets with avalanche rescue practice.'],
      ['Day 2', 'Cable car to the Aiguille du Midi and descent of the Vallée Blanche, then skin up to the Torino hut.'],
      ['Day 3', 'Tour across the Glacier du Géant with a summit attempt on the Pointe Helbronner and a second night at the hut.'],
      ['Day 4', 'Long descent into Italy, lunch in Courmayeur and the return through the Mont Blanc tunnel.']
    ]
  },
  {
    title: 'Surf Camp in Costa Rica',
    slug: 'surf-camp-costa-rica',
    activity: 'Surfing',
    adventureType: 'Overnight Trip',
    price: 3000,
    tripLength: '5 Days',
    groupSize: 8,
    difficulty: 'Intermediate',
    image: 'AdobeStock_175934512.jpg',
    description: [
      'Costa Rica\'s Pacific coast has warm water, consistent waves and a laid-back pura vida way of life.',
      'This camp in Santa Teresa is for surfers who can already catch green waves and want coaching to improve their turns and wave selection.',
      'Stay in an eco-lodge in the jungle, a short walk from the beach, with healthy meals and a daily yoga class.'
    ],
    itinerary: [
      ['Day 1', 'Arrive at Tambor, transfer to Santa Teresa and an evening session to shake off the travel.'],
      ['Day 2', 'Video-analysed session at Playa Carmen and a theory class on positioning in the line-up.'],
      ['Day 3', 'Boat trip to a secret point break only reachable from the water, with lunch on the beach.'],
      ['Day 4', 'Two coached sessions and an afternoon hike to the waterfalls in the Cabo Blanco reserve.'],
      ['Day 5', 'Dawn session, farewell breakfast and transfer back to the airport.']
    ]
  },
  {
    title: 'Tahoe Skiing',
    slug: 'tahoe-skiing',
    activity: 'Skiing',
    adventureType: 'Weekend',
    price: 1200,
    tripLength: '2 Days',
    groupSize: 8,
    difficulty: 'Intermediate',
    image: 'AdobeStock_185234521.jpg',
    description: [
      'Lake Tahoe has more ski resorts per square mile than anywhere else in North America, and views of the lake from almost every run.',
      'Spend a weekend skiing Palisades Tahoe and Heavenly with a coach who will help you build confidence on blue and black runs.',
      'Lift tickets, lodging in a cabin on the North Shore and a hot tub under the stars are included.'
    ],
    itinerary: [
      ['Day 1', 'Morning clinic at Palisades Tahoe on carving technique, afternoon exploring the KT-22 area and a fondue dinner at the cabin.'],
      ['Day 2', 'Drive to Heavenly for runs straddling the California and Nevada border, then an après-ski on the lake shore.']
    ]
  },
  {
    title: 'West Coast Cycling',
    slug: 'west-coast-cycling',
    activity: 'Cycling',
    adventureType: 'Overnight Trip',
    price: 2500,
    tripLength: '4 Days',
    groupSize: 10,
    difficulty: 'Intermediate',
    image: 'AdobeStock_165234876.jpg',
    description: [
      'Ride the Pacific Coast Highway from San Francisco to Big Sur, one of the most beautiful coastal roads in the world.',
      'Four days of rolling hills, redwood forests and ocean views, with a support van and comfortable inns along the way.',
      'Daily distances of 50 to 90 kilometres suit regular riders who are happy to spend several hours a day in the saddle.'
    ],
    itinerary: [
      ['Day 1', 'Roll out from San Francisco along the coast to Half Moon Bay, with lunch overlooking the surf at Mavericks.'],
      ['Day 2', 'Through the farmland of Pescadero to Santa Cruz, with an afternoon in the redwoods of Big Basin.'],
      ['Day 3', 'Around Monterey Bay to the Seventeen Mile Drive and Carmel-by-the-Sea.'],
      ['Day 4', 'The highlight: Bixby Bridge and the cliffs of Big Sur, ending with dinner above the ocean.']
    ]
  },
  {
    title: 'Whistler Mountain Biking',
    slug: 'whistler-mountain-biking',
    activity: 'Cycling',
    adventureType: 'Weekend',
    price: 1500,
    tripLength: '2 Days',
    groupSize: 6,
    difficulty: 'Advanced',
    image: 'AdobeStock_175234512.jpg',
    description: [
      'The Whistler Mountain Bike Park is the mecca of downhill and freeride riding, with lift-served trails for every level.',
      'This weekend with a professional coach focuses on jumps, berms and steep technical lines on the A-Line and Dirt Merchant trails.',
      'Full-suspension downhill bike, full-face helmet, body armour and lift tickets are included.'
    ],
    itinerary: [
      ['Day 1', 'Skills session in the Fitzsimmons zone, then progressively bigger jump lines through the afternoon.'],
      ['Day 2', 'Technical lines in the Garbanzo zone and a final run top-to-bottom before a burger on the village patio.']
    ]
  },
  {
    title: 'Yosemite Backpacking',
    slug: 'yosemite-backpacking',
    activity: 'Hiking',
    adventureType: 'Overnight Trip',
    price: 1800,
    tripLength: '4 Days',
    groupSize: 8,
    difficulty: 'Intermediate',
    image: 'AdobeStock_185234512.jpg',
    description: [
      'Leave the crowds of the valley floor behind and backpack into the high country of Yosemite National Park.',
      'Hike past granite domes, alpine lakes and waterfalls on a four day loop from Tuolumne Meadows, camping each night by a lake.',
      'You will carry your own pack of about 15 kilograms; a naturalist guide cooks, navigates and handles the bear canisters.'
    ],
    itinerary: [
      ['Day 1', 'Meet at Tuolumne Meadows, pack check and an easy hike to camp at Elizabeth Lake.'],
      ['Day 2', 'Over Cathedral Pass to Sunrise Lakes, with a swim and a long lunch by the water.'],
      ['Day 3', 'Summit Clouds Rest for a view straight down into Yosemite Valley and Half Dome.'],
      ['Day 4', 'Descend past Nevada and Vernal Falls on the Mist Trail to the valley floor and a celebratory dinner.']
    ]
  }
]

/** @param {string} slug @returns {string} a stable UUID-like id derived from the slug */
function assetId (slug) {
  const h = createHash('sha256').update('wknd-shared/' + slug).digest('hex')
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20, 32)].join('-')
}

/**
 * Builds one adventure as AEM's GraphQL returns it.
 * @param {object} raw an entry of the fixed data
 * @param {number} [imageWidth] appended to `_dynamicUrl` as `&width=` when given
 * @returns {object}
 */
function buildAdventure (raw, imageWidth) {
  const width = imageWidth === undefined ? '' : '&width=' + imageWidth
  return {
    _path: `/content/dam/aem-demo-assets/en/adventures/${raw.slug}/${raw.slug}`,
    title: raw.title,
    slug: raw.slug,
    activity: raw.activity,
    adventureType: raw.adventureType,
    price: raw.price,
    tripLength: raw.tripLength,
    groupSize: raw.groupSize,
    difficulty: raw.difficulty,
    primaryImage: {
      _path: `/content/dam/wknd-shared/en/adventures/${raw.slug}/${raw.image}`,
      _dynamicUrl: `/adobe/dynamicmedia/deliver/dm-aid--${assetId(raw.slug)}/${raw.image}?preferwebp=true${width}`,
      mimeType: 'image/jpeg',
      width: 1600,
      height: 900
    },
    description: {
      html: '<p>' + raw.description.join(' ') + '</p>',
      plaintext: raw.description.join(' ')
    },
    itinerary: {
      html: raw.itinerary.map(([heading, text]) => `<h2>${heading}</h2><p>${text}</p>`).join(''),
      plaintext: raw.itinerary.map(([heading, text]) => `${heading}\n${text}`).join('\n\n')
    }
  }
}

/**
 * Lists the 16 adventures in a fixed order.
 * @param {{imageWidth?: number}} [options]
 * @returns {object[]}
 */
function listAdventures ({ imageWidth } = {}) {
  return RAW.map((raw) => buildAdventure(raw, imageWidth))
}

module.exports = { listAdventures }

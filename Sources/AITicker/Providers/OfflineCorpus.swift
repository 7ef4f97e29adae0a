/// The messages the `offline` plugin draws from: shipped in the binary so it works with no network or files.
enum OfflineCorpus {
    static let messages: [String] = text.split(separator: "\n").map(String.init)

    private static let text = """
        Small steps every day add up to big changes by the end of the year.
        A clean desk is a quiet invitation to start the task you keep postponing.
        Drink a glass of water now; your brain is mostly made of it.
        The best time to write the test was before the bug; the second best is now.
        Octopuses have three hearts and blue blood.
        Honey found in ancient Egyptian tombs was still edible thousands of years later.
        Bananas are berries, but strawberries are not.
        A day on Venus lasts longer than its year.
        Sharks existed before trees did.
        The Eiffel Tower grows a few centimetres taller on hot summer days.
        Wombats produce cube-shaped droppings.
        Sea otters hold hands while they sleep so they do not drift apart.
        There are more possible games of chess than atoms in the observable universe.
        The shortest war in recorded history lasted under an hour.
        A group of flamingos is called a flamboyance.
        Hot water can freeze faster than cold water under some conditions.
        Lightning strikes the Earth about forty-five times every second.
        Butterflies taste with their feet.
        The human nose can tell apart at least a trillion different smells.
        Cows have best friends and get stressed when separated from them.
        Saturn would float in a bathtub large enough to hold it.
        An ostrich's eye is bigger than its brain.
        Koalas sleep up to twenty-two hours a day.
        The inventor of the Pringles can was buried in one.
        Scotland's national animal is the unicorn.
        Crows can recognise individual human faces and hold grudges.
        A bolt of lightning is about five times hotter than the surface of the Sun.
        Some turtles can breathe through their rear ends.
        The first computer bug was an actual moth stuck in a relay.
        The dot over a lowercase i is called a tittle.
        Snails can sleep for three years at a stretch.
        Polar bears have black skin under their transparent fur.
        The longest hiccup spell on record lasted sixty-eight years.
        Venus is the only planet in our system that spins clockwise.
        Humans share roughly sixty percent of their genes with bananas.
        Pineapples take about two years to grow.
        A single cloud can weigh more than a million kilograms.
        Rats laugh when they are tickled.
        The word robot comes from a Czech word for forced labour.
        Peanuts are not nuts; they grow underground as legumes.
        Tardigrades can survive the vacuum of space.
        A jiffy is an actual unit of time in physics.
        The unicorn of the sea, the narwhal, has a tooth that grows through its lip.
        The heart of a blue whale is the size of a small car.
        Goats have rectangular pupils that give them panoramic vision.
        Oxford University is older than the Aztec Empire.
        Cleopatra lived closer in time to the Moon landing than to the Great Pyramid.
        A teaspoon of neutron star would weigh about six billion tonnes.
        Bees can recognise human faces.
        Apples float because a quarter of their volume is air.
        Your bones are about five times stronger than steel of the same weight.
        Dolphins give each other names in the form of signature whistles.
        There is enough iron in a human body to make a small nail.
        Mount Everest grows about four millimetres every year.
        Slugs have four noses.
        An average cumulus cloud drifts at the speed of the wind around it.
        Antarctica is the largest desert on Earth.
        A shrimp's heart is in its head.
        The fingerprints of koalas are almost identical to ours.
        Light from the Sun takes about eight minutes to reach us.
        Penguins propose with pebbles.
        Some cats are allergic to humans.
        Hippos secrete a reddish fluid that works as sunscreen.
        The Great Wall of China is not visible to the naked eye from orbit.
        An octopus can taste what it touches with its arms.
        The moon drifts about four centimetres farther from Earth every year.
        Avocados are toxic to many birds.
        Rubber ducks have been used to map ocean currents.
        Giraffes hum to each other at night.
        Water can boil and freeze at the same time at its triple point.
        The first oranges were not orange but green.
        A bee visits around a hundred flowers in one trip.
        The Pacific Ocean is wider than the Moon.
        Mosquitoes are the deadliest animals to humans.
        A day on Mercury lasts about fifty-nine Earth days.
        Ants never sleep in the way we do; they take hundreds of short naps.
        A hummingbird's heart can beat more than a thousand times a minute.
        Jellyfish have existed for over five hundred million years.
        Carrots were originally purple.
        Reindeer eyes change colour between summer and winter.
        The smell of fresh rain has a name: petrichor.
        Sloths can hold their breath longer than dolphins.
        Alaska has more coastline than all other US states combined.
        Otters have a favourite rock they keep in a pouch of skin.
        The average person walks the equivalent of five trips around the world in a lifetime.
        Your stomach gets a new lining every few days.
        Squirrels plant thousands of trees by forgetting where they buried nuts.
        Frogs drink water through their skin.
        Owls cannot move their eyeballs, so they turn their heads instead.
        Starfish can regrow lost arms.
        Write the error message you would want to read at three in the morning.
        Name things for what they mean, not for how they are built.
        Delete code you do not need; it cannot break if it is gone.
        Measure before you optimise, and measure again after.
        A flaky test is a bug report nobody has read yet.
        Logs are letters to your future self; make them kind and short.
        Back up your data, then practise restoring it.
        Every config option is a promise to support it forever.
        Prefer boring technology for things that must not fail.
        Read the stack trace from the bottom up before guessing.
        If it hurts, do it more often until it stops hurting.
        Simple systems fail in simple ways.
        Timeouts belong on every call that leaves the process.
        The cheapest request is the one you never send.
        Make it work, make it right, then make it fast.
        Commit small, commit often, and write why in the message.
        A good default saves a thousand support questions.
        Secrets belong in a vault, not in a repository.
        Automate the checklist you keep forgetting.
        Cache invalidation is hard; so is naming the cache.
        Idempotent operations make retries safe.
        An alert that nobody acts on is noise.
        Document the decision, not just the outcome.
        Rollbacks should be as rehearsed as deployments.
        Code review is a conversation, not a verdict.
        A monitor you never look at is a monitor that is off.
        Keep the main branch releasable at all times.
        Validate input at the edge and trust it inside.
        Favour composition over clever inheritance chains.
        If two things always change together, put them together.
        Every dependency is code you did not write but now own.
        Pin your versions, then update them on purpose.
        Write the README before the code; it clarifies the goal.
        Graceful degradation beats perfect uptime claims.
        A retry without backoff is a denial of service waiting to happen.
        Profiling tells you where the time goes; intuition tells you stories.
        Leave the campsite cleaner than you found it.
        Reproducible builds make debugging a science again.
        Ship the smallest thing that teaches you something.
        Error budgets turn reliability into a choice rather than a hope.
        Structured logs are searchable logs.
        Treat your infrastructure as code, with reviews and tests.
        Make the wrong thing hard and the right thing easy.
        A circuit breaker protects both the caller and the callee.
        Health checks should be cheap, honest and fast.
        Prefer explicit configuration to magic discovery.
        Write tests that fail for one reason only.
        Do not log what you would not print on a billboard.
        Good APIs are easy to use correctly and hard to misuse.
        The network is not reliable; plan accordingly.
        Latency hides in the tail; watch your p99.
        One source of truth beats five synchronised copies.
        Readable code is code that can be changed safely.
        Think about what happens when the disk is full.
        Small pull requests get better reviews.
        Feature flags need an expiry date.
        Time zones are hard; store UTC and convert at the edge.
        Never trust the clock to go only forward.
        A migration you cannot undo deserves extra care.
        Keep the build fast; slow builds breed shortcuts.
        The best incident report blames the process, never the person.
        Rate limits are a feature of a healthy API.
        Take a short walk; the bug will still be there and you will see it better.
        Stretch your shoulders; they have been holding up your keyboard all day.
        Look at something twenty metres away for twenty seconds.
        Stand up and refill your water bottle.
        Celebrate a small win today.
        Say thank you to someone who unblocked you this week.
        Close the tabs you will never read.
        Turn off one notification you do not need.
        Write down the one thing that matters most today.
        Start the hardest task while your energy is highest.
        Pause, breathe in for four, hold for four, breathe out for four.
        Rest is part of the work, not a break from it.
        Ask the question; someone else is wondering too.
        A finished draft beats a perfect plan.
        Your future self will thank you for the comment you write now.
        Good sleep is the most underrated productivity tool.
        Eat something green today.
        Tidy one drawer; momentum starts small.
        Call someone you have not talked to in a while.
        Learn one keyboard shortcut this afternoon.
        Curiosity is a renewable resource.
        Progress, not perfection.
        Do one thing at a time and do it well.
        Set a timer, focus for twenty-five minutes, then rest for five.
        Mistakes are tuition, not failure.
        Kindness in code review is contagious.
        Open a window and let some fresh air in.
        Listen to a song you loved ten years ago.
        The first photograph ever taken needed an exposure of about eight hours.
        The printing press made books affordable and spread literacy across Europe.
        The Rosetta Stone carries the same decree in three scripts.
        Ada Lovelace wrote what many call the first computer program in 1843.
        Grace Hopper popularised the term debugging after removing a moth from a relay.
        The first website went online in 1991 and is still reachable.
        The Library of Alexandria was one of the largest archives of the ancient world.
        Marie Curie is the only person to win Nobel Prizes in two different sciences.
        The Wright brothers' first flight was shorter than the wingspan of a modern airliner.
        Paper money was first used in China more than a thousand years ago.
        Galileo's telescope magnified only about twenty times.
        The Apollo guidance computer had less memory than a modern greeting card.
        The Great Fire of London in 1666 destroyed over thirteen thousand houses.
        Penicillin was discovered because a petri dish was left uncovered.
        The Olympic Games began in ancient Greece around 776 BCE.
        The first transatlantic telegraph message took sixteen hours to send.
        The Statue of Liberty was once a working lighthouse.
        Roman concrete gets stronger in seawater over time.
        The abacus is still used for teaching arithmetic in many schools.
        Morse code was first demonstrated publicly in 1844.
        The QWERTY layout was designed for mechanical typewriters.
        Vikings reached North America about five hundred years before Columbus.
        The world's oldest known recipe is for beer.
        The stethoscope was invented because a doctor felt awkward listening to chests directly.
        Sandwiches are named after an eighteenth-century earl who liked to eat at the card table.
        Napoleon was of average height for his time.
        The first alarm clock could only ring at four in the morning.
        Chess pieces took their modern shape in the nineteenth century.
        The Mona Lisa has no visible eyebrows.
        The oldest known musical instrument is a flute carved from bone.
        Tea was once so valuable it was kept in locked boxes.
        The first vending machine dispensed holy water.
        Shakespeare invented or popularised more than a thousand English words.
        The zero as a number was developed in India.
        The first computer mouse was made of wood.
        Neil Armstrong's footprints are likely still on the Moon.
        The Hubble telescope has made more than a million observations.
        The Voyager probes carry golden records of sounds from Earth.
        The speed of light was first measured using the moons of Jupiter.
        Euclid's Elements was used as a textbook for over two thousand years.
        The Titanic's sister ship, Olympic, served for over twenty years.
        The compass was used for fortune telling before navigation.
        Pi has been calculated to trillions of digits, but NASA uses about fifteen.
        Leonardo da Vinci wrote his notes in mirror script.
        The metric system was born in revolutionary France.
        Ancient Egyptians used slabs of stone as pillows.
        The first email was sent in 1971 between two computers side by side.
        The word hello became a common greeting only with the telephone.
        A ship's log was once a real log thrown overboard to measure speed.
        The modern marathon distance was set at the 1908 London Olympics.
        Romans used crushed mouse brains as toothpaste, or so the stories say.
        The earliest maps were carved on stone and clay.
        The longest continuously running experiment is a drop of pitch falling since 1927.
        Tomatoes were once thought to be poisonous in Europe.
        The first video uploaded to the web's biggest video site was nineteen seconds long.
        The bicycle was invented before the car but after the steam train.
        Braille was developed by a fifteen-year-old.
        The first traffic light was installed in London in 1868.
        Velcro was inspired by burrs stuck to a dog's fur.
        The microwave oven was discovered when a chocolate bar melted near a radar set.
        The Hanging Gardens of Babylon may have been in Nineveh instead.
        The pyramids of Giza were built by paid workers, not slaves.
        The oldest known tree is over four thousand seven hundred years old.
        Cats were considered sacred in ancient Egypt.
        Money spiders can travel hundreds of kilometres on silk balloons.
        The first known contact lenses were made of glass.
        The lighthouse of Alexandria stood for over a thousand years.
        Ice cream was once a luxury reserved for royalty.
        The term bug in engineering predates computers by decades.
        The first programmable loom used punched cards in 1804.
        Clear skies tonight are a good excuse to look for the Milky Way.
        Autumn leaves change colour as chlorophyll breaks down.
        Snowflakes form around tiny particles of dust or pollen.
        A rainbow is a full circle; the ground hides the rest.
        Thunder is the sound of air expanding around a lightning bolt.
        Fog is simply a cloud that touches the ground.
        The Sahara was green and full of lakes about six thousand years ago.
        Rain contains vitamin B12 produced by bacteria in the air.
        The wind has no colour, but it carries the smell of the sea for miles.
        Coral reefs cover less than one percent of the ocean floor yet host a quarter of its species.
        A single tree can absorb around twenty kilograms of carbon dioxide a year.
        The Amazon rainforest makes much of its own rain.
        Earthworms breathe through their skin.
        Bamboo can grow almost a metre in a single day.
        Forests cover about a third of the land on Earth.
        Mushrooms are more closely related to animals than to plants.
        The deepest part of the ocean is deeper than Everest is tall.
        Volcanic lightning happens inside ash clouds.
        The Dead Sea is so salty that people float on it without effort.
        Glaciers store about two thirds of the world's fresh water.
        A sunflower's head follows the Sun only while it is young.
        Salmon find their way home by smell.
        Some bamboo species flower only once every hundred years.
        The Northern Lights are caused by charged particles from the Sun.
        Sand dunes can sing when the grains slide in the right way.
        A cactus can store hundreds of litres of water.
        Sunlight can reach about two hundred metres into clear ocean water.
        Lakes freeze from the top down, which keeps fish alive below.
        The smell of cut grass is a plant's distress signal.
        Wetlands filter water better than many treatment plants.
        Dandelion seeds can travel over a hundred kilometres on the wind.
        The oldest rocks on Earth are about four billion years old.
        Icebergs are made of fresh water even though they float in the sea.
        Pine cones close when it rains and open when it is dry.
        The Moon has moonquakes.
        Jupiter's Great Red Spot is a storm bigger than Earth.
        On Mars, sunsets look blue.
        There are more stars in the universe than grains of sand on all beaches.
        A year on Neptune lasts about one hundred and sixty-five Earth years.
        Comets are made of ice, dust and rock.
        The Sun makes up over ninety-nine percent of the mass of our solar system.
        Astronauts grow a few centimetres taller in space.
        The International Space Station circles the Earth every ninety minutes.
        Footprints on the Moon can last millions of years with no wind to erase them.
        Some exoplanets may rain glass sideways.
        Black holes do not suck; they simply bend space very steeply.
        Titan, a moon of Saturn, has lakes of liquid methane.
        Olympus Mons on Mars is nearly three times the height of Everest.
        The light you see from some stars left them before humans existed.
        Mercury has ice in its shadowed craters despite being closest to the Sun.
        A day on Jupiter lasts under ten hours.
        Uranus rotates on its side.
        Meteor showers happen when Earth passes through comet debris.
        There is a planet where it may rain diamonds.
        The Milky Way and Andromeda will merge in a few billion years.
        Earth is the only planet not named after a god.
        A full Moon is nine times brighter than a half Moon.
        Solar eclipses happen because the Sun is four hundred times wider and farther than the Moon.
        Space is completely silent because there is no air to carry sound.
        Stars twinkle because of turbulence in our atmosphere.
        Today is a good day to learn something new.
        You are doing better than you think.
        The ticker is alive and the database is happy.
        Somewhere, a server is running smoothly thanks to someone's careful work.
        Reading for ten minutes a day adds up to many books a year.
        A smile is free and usually returned.
        The kettle is the unsung hero of the office.
        Fresh coffee is brewing somewhere near you, probably.
        Your to-do list is a suggestion, not a contract.
        Good ideas often arrive in the shower; keep a notebook nearby.
        Music with no lyrics can help with deep focus.
        A short nap of twenty minutes can restore alertness.
        Plants on a desk can lift the mood of a room.
        The best view comes after the hardest climb.
        Every expert was once a beginner.
        Patience is also a form of action.
        Even the longest journey begins with a single commit.
        Silence in a meeting can be the start of a good idea.
        Teaching something is the fastest way to learn it.
        Gratitude turns what we have into enough.
        The weekend is closer than it was yesterday.
        Well-chosen words can change someone's whole day.
        Courage is not the absence of fear but acting anyway.
        Nothing is particularly hard if you divide it into small jobs.
        There is always room at the top of a well-kept backlog.
        Sunrise happens every day, whether or not we watch it.
        Learning a few words of another language opens many doors.
        A walk outside is the fastest way to reset a tired mind.
        Creativity is intelligence having fun.
        A problem well stated is a problem half solved.
        """
}
